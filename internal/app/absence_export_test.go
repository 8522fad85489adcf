package app_test

import (
	"net/http"
	"strings"
	"testing"

	"ortlos/internal/actor"
)

func TestAbsenceExportHTTP(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "hanna.hr", "Hanna HR", actor.RoleHR)
	createUser(t, ts, "erik.muster", "Erik Muster", actor.RoleEmployee)
	hc := loginFull(t, ts, "hanna.hr", testPassword)
	ec := loginFull(t, ts, "erik.muster", testPassword)
	for _, path := range []string{"/absences/export.csv?year=2026&month=4", "/api/v1/absences/export.csv?year=2026&month=4"} {
		res := get(t, hc, ts.URL+path)
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		if !strings.HasPrefix(res.text(), "\uFEFFuser_id;username;display_name;org_unit;date;type;type_name;day_fraction\r\n") {
			t.Errorf("%s: body starts %q", path, res.text())
		}
		wantStatus(t, get(t, ec, ts.URL+path), http.StatusNotFound)
	}
	if !strings.Contains(get(t, hc, ts.URL+"/absences").text(), `href="/absences/export.csv?`) {
		t.Error("HR's absences page does not link the export")
	}
	if strings.Contains(get(t, ec, ts.URL+"/absences").text(), "/absences/export.csv") {
		t.Error("an employee's absences page links the export")
	}
}
