#!/usr/bin/env bash
# Regenerates the fixtures of the text extraction tests with real producers
# from Debian (run as root once: apt-get install python3-reportlab
# python3-docx python3-openpyxl python3-odf python3-cairo qpdf groff
# fonts-dejavu-core). The files are committed; the tests never run this.
# Every fixture holds the marker sentence (SENTENCE in make_fixtures.py), umlauts and ß
# included, which the tests look for.
set -euo pipefail
cd "$(dirname "$0")"
/usr/bin/python3 make_fixtures.py
# groff's PDF output driver: Type 1 fonts with /Differences encodings.
preconv -e utf-8 groff.ms | groff -ms -Tpdf -P-pa4 > groff.pdf
# The same document with object streams and a cross-reference stream.
qpdf --object-streams=generate --compress-streams=y reportlab_ttf.pdf objstm.pdf
# Encrypted with the empty user password ("protected" against copying) in
# every revision of the standard security handler, and one that needs a
# password to open.
qpdf --allow-weak-crypto --encrypt "" owner 40 -- reportlab_helvetica.pdf enc_rc4_40.pdf
qpdf --allow-weak-crypto --encrypt "" owner 128 --use-aes=n -- reportlab_ttf.pdf enc_rc4_128.pdf
qpdf --encrypt "" owner 128 --use-aes=y -- objstm.pdf enc_aes128.pdf
qpdf --encrypt "" owner 256 -- cairo.pdf enc_aes256.pdf
qpdf --encrypt geheim owner 256 -- reportlab_helvetica.pdf enc_password.pdf
ls -l *.pdf *.docx *.xlsx *.pptx *.odt *.ods
