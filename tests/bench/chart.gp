# Draws tests/bench's CSV as one PNG of two panels, one bar per server in each
# case (filehttpd, nginx, lighttpd, h2o, caddy; no bar where a server did not
# run the case):
#   top:    the load cases, CPU per request (log scale, lower is better),
#           each bar labelled with its requests/s (in the TLS handshake
#           cases a request is a whole connection);
#   bottom: the latency cases (one connection, sequential requests), mean
#           latency with a whisker up to p99 (log scale), labelled with max;
#           the page40 cases there are the wall time of a whole page load.
#   gnuplot -e "csv='build/bench.csv'; png='build/bench.png'" tests/bench/chart.gp
# CSV columns: case, kind, then per server rps, cpu_us, mean_us, p99_us, max_us.
set datafile separator ","
set datafile missing ""
heading = system("head -n 1 '" . csv . "' | cut -c 3-")
nload = int(system("grep -c ',load,' '" . csv . "'"))
nlat = int(system("grep -c ',latency,' '" . csv . "'"))
names = "filehttpd nginx lighttpd h2o caddy"
colors = "#2a7ab0 #3c9a3c #d08a1c #8a4fb0 #c0392b"
n = words(names)
cgap = 2  # the histogram gap below, in bar widths
# Bar i of a cluster sits this far from the cluster's centre.
dx(i) = (i - (n - 1) / 2.0) / (n + cgap)
col(i, k) = 3 + 5 * (i - 1) + k   # k: 0 rps, 1 cpu_us, 2 mean_us, 3 p99_us, 4 max_us
# The largest value of column k of the rows of a kind, for a y range that
# leaves room for the labels above the bars.
top(kind, k) = real(system(sprintf("awk -F, '$2 == \"%s\" { for (i = %d; i <= NF; i += 5) if ($i + 0 > m) m = $i } END { print m + 1 }' '%s'", kind, col(1, k), csv)))

panels = (nload > 0) + (nlat > 0)
if (panels == 0) { print "chart.gp: no request case in " . csv . "; no chart"; exit }
set terminal pngcairo size 1500,(panels > 1 ? 1300 : 720) font "sans,10" noenhanced
set output png
set multiplot layout panels,1 title heading font "sans,11"
set style data histogram
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set xtics nomirror rotate by -20
set key top left horizontal
set grid ytics

if (nload > 0) {
  set title "load cases: bars CPU per request (lower is better), labels requests/s" font "sans,10"
  set style histogram clustered gap 2
  set yrange [1:top("load", 1) * 10]
  set ylabel "CPU µs per request (log scale)"
  plot for [i=1:n] csv every ::1::nload using col(i, 1):xtic(1) title word(names, i) lc rgb word(colors, i), \
       for [i=1:n] '' every ::1::nload using ($0 + dx(i - 1)):col(i, 1):(stringcolumn(col(i, 0))) \
         with labels rotate by 90 left offset 0,0.5 font "sans,8" notitle
}

if (nlat > 0) {
  set title "latency cases, one keep-alive connection (page40: a whole page load): bars mean, whiskers p99 (lower is better), labels max µs" font "sans,10"
  set style histogram errorbars gap 2 lw 1
  set yrange [10:top("latency", 3) * 10]
  set ylabel "latency µs (log scale)"
  plot for [i=1:n] csv every ::(nload + 1) using col(i, 2):col(i, 2):col(i, 3):xtic(1) title word(names, i) \
         lc rgb word(colors, i), \
       for [i=1:n] '' every ::(nload + 1) using ($0 + dx(i - 1)):col(i, 3):(stringcolumn(col(i, 4))) \
         with labels rotate by 90 left offset 0,0.5 font "sans,8" notitle
}
unset multiplot
