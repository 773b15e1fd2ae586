#!/bin/sh
# make.sh regenerates the test files of attachments from scratch. It needs
# ImageMagick, Ghostscript, qpdf, exiftool and zip (Debian: imagemagick
# ghostscript qpdf libimage-exiftool-perl zip). The tests do not run it: its
# output is committed.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go run craft.go

# A screenshot of an error dialog.
convert -size 800x450 xc:'#f0f0f0' \
	-fill '#2b579a' -draw 'rectangle 0,0 800,32' \
	-fill white -font DejaVu-Sans -pointsize 15 -annotate +12+22 'Госуслуги — Личный кабинет' \
	-fill white -stroke '#b0b0b0' -draw 'rectangle 150,120 650,330' -stroke none \
	-fill '#c00000' -draw 'circle 200,190 222,190' \
	-fill white -pointsize 28 -annotate +191+200 '!' \
	-fill black -pointsize 17 -annotate +245+180 'Ошибка 0x80070005' \
	-pointsize 14 -annotate +245+210 'Не удалось подписать заявление.' \
	-annotate +245+232 'Повторите попытку позже.' \
	-fill '#e1e1e1' -stroke '#a0a0a0' -draw 'rectangle 540,285 630,315' -stroke none \
	-fill black -annotate +575+305 'OK' \
	+dither -colors 32 -strip screenshot.png

# A phone photo: stored landscape 640×480, EXIF orientation 6 (rotate 90°
# clockwise to view) and a GPS position in Moscow.
convert -size 640x480 gradient:'#4a7bd0-#e8c070' \
	-fill white -font DejaVu-Sans -pointsize 60 -annotate +40+120 'ВЕРХ →' \
	-quality 80 "$tmp/photo.jpg"
exiftool -q -Make=Xiaomi -Model='Redmi Note 12' \
	-Orientation#=6 -DateTimeOriginal='2024:03:01 10:15:00' \
	-GPSLatitude=55.7539 -GPSLatitudeRef=N -GPSLongitude=37.6208 -GPSLongitudeRef=E \
	-o phone-orientation6-gps.jpg "$tmp/photo.jpg"

# A baseline JPEG cut at 60 %, as a phone with a dying connection sends it.
convert -size 400x300 plasma:fractal -seed 7 -quality 85 "$tmp/plasma.jpg" 2>/dev/null ||
	convert -size 400x300 gradient:red-blue -quality 85 "$tmp/plasma.jpg"
n=$(stat -c %s "$tmp/plasma.jpg")
head -c $((n * 6 / 10)) "$tmp/plasma.jpg" >truncated.jpg

# A signature logo, 120×40, meant to go inline.
convert -size 120x40 xc:'#003399' -fill white -font DejaVu-Sans -pointsize 20 \
	-annotate +10+28 'Логотип' -strip logo.png

# An animated GIF.
convert -size 64x64 xc:red xc:blue -loop 0 -delay 50 animation.gif

# A ZIP archive and the Windows program, named like images.
printf 'Заявление на получение справки\n' >"$tmp/zayavlenie.txt"
(cd "$tmp" && zip -q -X archive.zip zayavlenie.txt)
cp "$tmp/archive.zip" zip-renamed.png
cp program.exe pe-renamed.png
rm program.exe

# Polyglots: a JPEG with a ZIP appended, and with a Windows program appended.
cat "$tmp/photo.jpg" "$tmp/archive.zip" >jpeg-zip-polyglot.jpg
cat "$tmp/photo.jpg" pe-renamed.png >jpeg-exe-appended.jpg
# A JPEG whose comment holds PHP code.
exiftool -q -Comment='<?php system($_GET["c"]); ?>' -o php-comment.jpg "$tmp/photo.jpg"

# A two-page PDF from Ghostscript, and qpdf's variants of it.
cat >"$tmp/two.ps" <<'PS'
%!PS
/Helvetica findfont 24 scalefont setfont
72 720 moveto (Application, page 1) show showpage
72 720 moveto (Application, page 2) show showpage
PS
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile=two-pages.pdf "$tmp/two.ps"
qpdf --object-streams=generate two-pages.pdf two-pages-objstm.pdf
qpdf --encrypt '' owner-secret 256 -- two-pages.pdf encrypted.pdf
qpdf --add-attachment "$tmp/zayavlenie.txt" -- two-pages.pdf embedded-file.pdf

# A one-page PDF that runs JavaScript when opened, written by hand and
# given a correct xref by qpdf; and the same hidden in an object stream.
cat >"$tmp/js.pdf" <<'PDF'
%PDF-1.7
1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj
4 0 obj << /Type /Action /S /JavaScript /JS (app.alert\('ticketd'\);) >> endobj
trailer << /Root 1 0 R /Size 5 >>
%%EOF
PDF
qpdf "$tmp/js.pdf" javascript.pdf 2>/dev/null || test $? -eq 3
qpdf --object-streams=generate javascript.pdf javascript-objstm.pdf

for f in *.pdf; do qpdf --check --password=owner-secret "$f" >/dev/null; done
ls -l
