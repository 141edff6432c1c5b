#include "compress_codec.hpp"

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>

namespace filehttpd {

namespace {

constexpr std::size_t k_out_step = 64 * 1024;

class GzipEncoder final : public StreamEncoder {
 public:
  bool init(int level) {
    ok_ = deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    return ok_;
  }
  ~GzipEncoder() override {
    if (ok_) deflateEnd(&z_);
  }
  bool update(std::string_view in, std::string& out) override { return run(in, out, Z_NO_FLUSH); }
  bool flush(std::string& out) override { return run({}, out, Z_SYNC_FLUSH); }
  bool finish(std::string& out) override { return run({}, out, Z_FINISH); }

 private:
  bool run(std::string_view in, std::string& out, int mode) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    for (;;) {
      std::size_t old = out.size();
      out.resize(old + k_out_step);
      z_.next_out = reinterpret_cast<Bytef*>(out.data() + old);
      z_.avail_out = static_cast<uInt>(k_out_step);
      int rc = deflate(&z_, mode);
      out.resize(old + k_out_step - z_.avail_out);
      if (rc == Z_STREAM_ERROR) return false;
      if (mode == Z_FINISH ? rc == Z_STREAM_END : (z_.avail_in == 0 && z_.avail_out != 0)) return true;
    }
  }
  z_stream z_{};
  bool ok_ = false;
};

class ZstdEncoder final : public StreamEncoder {
 public:
  bool init(int level) {
    c_ = ZSTD_createCCtx();
    return c_ && !ZSTD_isError(ZSTD_CCtx_setParameter(c_, ZSTD_c_compressionLevel, level)) &&
           !ZSTD_isError(ZSTD_CCtx_setParameter(c_, ZSTD_c_checksumFlag, 1));
  }
  ~ZstdEncoder() override { ZSTD_freeCCtx(c_); }
  bool update(std::string_view in, std::string& out) override { return run(in, out, ZSTD_e_continue); }
  bool flush(std::string& out) override { return run({}, out, ZSTD_e_flush); }
  bool finish(std::string& out) override { return run({}, out, ZSTD_e_end); }

 private:
  bool run(std::string_view in, std::string& out, ZSTD_EndDirective mode) {
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    for (;;) {
      std::size_t old = out.size();
      out.resize(old + k_out_step);
      ZSTD_outBuffer ob{out.data() + old, k_out_step, 0};
      std::size_t left = ZSTD_compressStream2(c_, &ob, &ib, mode);
      out.resize(old + ob.pos);
      if (ZSTD_isError(left)) return false;
      bool done = mode == ZSTD_e_continue ? ib.pos == ib.size : left == 0;
      if (done) return true;
    }
  }
  ZSTD_CCtx* c_ = nullptr;
};

class BrotliEncoder final : public StreamEncoder {
 public:
  bool init(int level) {
    s_ = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
    return s_ && BrotliEncoderSetParameter(s_, BROTLI_PARAM_QUALITY, static_cast<std::uint32_t>(level));
  }
  ~BrotliEncoder() override {
    if (s_) BrotliEncoderDestroyInstance(s_);
  }
  bool update(std::string_view in, std::string& out) override { return run(in, out, BROTLI_OPERATION_PROCESS); }
  bool flush(std::string& out) override { return run({}, out, BROTLI_OPERATION_FLUSH); }
  bool finish(std::string& out) override { return run({}, out, BROTLI_OPERATION_FINISH); }

 private:
  bool run(std::string_view in, std::string& out, BrotliEncoderOperation op) {
    std::size_t avail_in = in.size();
    const std::uint8_t* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    for (;;) {
      std::size_t old = out.size();
      out.resize(old + k_out_step);
      std::size_t avail_out = k_out_step;
      std::uint8_t* next_out = reinterpret_cast<std::uint8_t*>(out.data() + old);
      bool ok = BrotliEncoderCompressStream(s_, op, &avail_in, &next_in, &avail_out, &next_out, nullptr);
      out.resize(old + k_out_step - avail_out);
      if (!ok) return false;
      bool done = op == BROTLI_OPERATION_FINISH ? BrotliEncoderIsFinished(s_)
                                                : avail_in == 0 && !BrotliEncoderHasMoreOutput(s_);
      if (done) return true;
    }
  }
  BrotliEncoderState* s_ = nullptr;
};

template <typename E>
std::unique_ptr<StreamEncoder> made(int level) {
  auto e = std::make_unique<E>();
  if (!e->init(level)) return nullptr;
  return e;
}

}  // namespace

int cache_level(std::string_view coding) {
  if (coding == "gzip") return k_cache_level_gzip;
  if (coding == "zstd") return k_cache_level_zstd;
  return k_cache_level_br;
}

std::unique_ptr<StreamEncoder> StreamEncoder::make(std::string_view coding, int level) {
  if (coding == "gzip") return made<GzipEncoder>(level);
  if (coding == "zstd") return made<ZstdEncoder>(level);
  if (coding == "br") return made<BrotliEncoder>(level);
  return nullptr;
}

}  // namespace filehttpd
