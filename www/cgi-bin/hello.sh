#!/bin/sh
# A small CGI example: prints a greeting and a few CGI variables.
printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
echo "Hello from a CGI script."
echo "REQUEST_METHOD=$REQUEST_METHOD"
echo "SCRIPT_NAME=$SCRIPT_NAME"
echo "PATH_INFO=${PATH_INFO:-}"
echo "QUERY_STRING=$QUERY_STRING"
