# Draws tests/bench's CSV as one PNG: for each case, grouped bars of CPU per
# request for filehttpd, nginx and lighttpd (log scale, lower is better),
# each bar labelled with its requests/s.
#   gnuplot -e "csv='build/bench.csv'; png='build/bench.png'" tests/bench/chart.gp
set datafile separator ","
set datafile missing ""
heading = system("head -n 1 '" . csv . "' | cut -c 3-")
set terminal pngcairo size 1400,720 font "sans,10" noenhanced
set output png
set title heading . "\nbars: CPU per request (lower is better); labels: requests/s" font "sans,11"
set style data histogram
set style histogram clustered gap 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [1:4000]
set ylabel "CPU µs per request (log scale)"
set xtics rotate by -20 nomirror
set key top left
set grid ytics
plot csv every ::1 using 3:xtic(1) title "filehttpd" lc rgb "#2a7ab0", \
     ''  every ::1 using 5 title "nginx" lc rgb "#3c9a3c", \
     ''  every ::1 using 7 title "lighttpd" lc rgb "#d08a1c", \
     ''  every ::1 using ($0 - 0.3):3:(stringcolumn(2)) with labels rotate by 90 left offset 0,0.5 font "sans,8" notitle, \
     ''  every ::1 using ($0):5:(stringcolumn(4)) with labels rotate by 90 left offset 0,0.5 font "sans,8" notitle, \
     ''  every ::1 using ($0 + 0.3):7:(stringcolumn(6)) with labels rotate by 90 left offset 0,0.5 font "sans,8" notitle
