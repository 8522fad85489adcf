package web

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
)

// CSVCell neutralises spreadsheet formula injection: a text cell that
// starts with = + - @ or a tab or carriage return gets a leading
// apostrophe, so Excel and LibreOffice show it as text instead of
// evaluating it. Only free text (names, org units) passes through here;
// the numbers the export writes itself are left alone.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV starts a CSV download in the form German spreadsheet and
// payroll software reads without an import dialog: UTF-8 with a byte order
// mark, semicolons, CRLF line ends.
func WriteCSV(w http.ResponseWriter, filename string, header []string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", filename))
	bw := bufio.NewWriter(w)
	_, _ = bw.WriteString("\uFEFF")
	cw := csv.NewWriter(bw)
	cw.Comma = ';'
	cw.UseCRLF = true
	_ = cw.Write(header)
	for _, row := range rows {
		_ = cw.Write(row)
	}
	cw.Flush()
	_ = bw.Flush()
}
