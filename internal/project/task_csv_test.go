package project_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/project"
)

func TestTaskHoursRoundTrip(t *testing.T) {
	for m := 0; m <= 6000; m++ {
		s := project.FormatTaskHours(&m)
		got, err := project.ParseTaskHours(s)
		if err != nil || got == nil || *got != m {
			t.Fatalf("%d minutes → %q → %v, %v", m, s, got, err)
		}
	}
	for in, want := range map[string]int{"1,5": 90, "1.5": 90, "2": 120, " 0,25 ": 15, "0,33": 20} {
		if got, err := project.ParseTaskHours(in); err != nil || *got != want {
			t.Errorf("ParseTaskHours(%q) = %v, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"1.000,5", "-1", "1h", "abc", "1,2,3", "NaN", "99999"} {
		if _, err := project.ParseTaskHours(bad); err == nil {
			t.Errorf("ParseTaskHours(%q) accepted", bad)
		}
	}
	if s := project.FormatTaskHours(nil); s != "" {
		t.Errorf("nil → %q", s)
	}
}

// tcProblems returns the problems of an import error as "line column code".
func tcProblems(t *testing.T, err error) []string {
	t.Helper()
	var ie *project.TaskImportError
	if !errors.As(err, &ie) || apperr.CodeOf(err) != "task_import_invalid" || apperr.KindOf(err) != apperr.Invalid {
		t.Fatalf("err = %v; want task_import_invalid with problems", err)
	}
	var out []string
	for _, p := range ie.Problems {
		out = append(out, fmt.Sprintf("%d %s %s", p.Line, p.Column, p.Code))
	}
	return out
}

func TestTaskImportCreatesAndUpdates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		old := f.task(t, "Alter Titel", 0)
		f.notes.take()
		file := "\uFEFFid;title;status;assignees;priority;start_date;due_date;estimate_hours;labels;milestone;created_at;done_at;version\r\n" +
			";Stellungnahme einholen;In Arbeit;mia.mitglied, MAX.MITGLIED;hoch;2026-03-02;31.03.2026;1,5;Eilt, Rechtsprüfung;Genehmigung;;;\r\n" +
			";'=Formel bleibt Text;;;;;;;;;;;\r\n" +
			"\r\n" +
			fmt.Sprintf("%d;Neuer Titel;Erledigt;;urgent;;;2;;;2026-03-01 10:00;;%d\r\n", old.ID, old.Version)
		res, err := f.svc.ImportTasks(ctx, f.mem, f.project, strings.NewReader(file))
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if res != (project.TaskImportResult{Rows: 3, Created: 2, Updated: 1}) {
			t.Errorf("result = %+v", res)
		}
		page, err := f.svc.ListProjectTasks(ctx, f.mem, f.project, project.TaskFilter{Sort: project.TaskSortCreated})
		if err != nil || len(page.Items) != 3 {
			t.Fatalf("list: %v %v", page.Items, err)
		}
		formula, created := page.Items[0], page.Items[1]
		if formula.Title != "=Formel bleibt Text" || formula.StatusID != f.open || formula.Priority != "normal" {
			t.Errorf("second line = %+v", formula)
		}
		if created.Title != "Stellungnahme einholen" || created.StatusID != f.doing || created.Priority != "high" ||
			created.DueDate == nil || *created.DueDate != civil.D(2026, 3, 31) || created.EstimateMinutes == nil || *created.EstimateMinutes != 90 ||
			created.RemainingMinutes == nil || *created.RemainingMinutes != 90 || created.MilestoneID != f.milestone ||
			len(created.Assignees) != 2 || len(created.Labels) != 2 {
			t.Errorf("first line = %+v", created)
		}
		got, err := f.svc.GetTask(ctx, f.mem, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "Neuer Titel" || got.StatusID != f.done || !got.Done || got.DoneAt == nil || got.Priority != "urgent" ||
			*got.EstimateMinutes != 120 || *got.RemainingMinutes != 0 || got.Version != old.Version+1 {
			t.Errorf("updated = %+v", got)
		}
		var kinds []string
		for _, n := range f.notes.take() {
			kinds = append(kinds, fmt.Sprintf("%d %s", n.UserID, n.Kind))
		}
		slices.Sort(kinds)
		if len(kinds) != 1 || kinds[0] != fmt.Sprintf("%d task.assigned", f.mem2.UserID) {
			t.Errorf("notes = %v; want task.assigned to mia only (not to the importer)", kinds)
		}
		if n := tfAuditCount(t, d, "task.import"); n != 1 {
			t.Errorf("task.import audited %d times", n)
		}
		if n := tfAuditCount(t, d, "task.create"); n != 1 {
			t.Errorf("task.create records = %d; the import writes one task.import record", n)
		}

		// The same file with only columns title and id, unchanged values.
		res, err = f.svc.ImportTasks(ctx, f.mem, f.project, strings.NewReader(fmt.Sprintf("title,id\nNeuer Titel,%d\n", old.ID)))
		if err != nil || res != (project.TaskImportResult{Rows: 1, Unchanged: 1}) {
			t.Errorf("unchanged import = %+v, %v", res, err)
		}
		// The export names usernames, labels and the milestone.
		ex, err := f.svc.ExportProjectTasks(ctx, f.view, f.project)
		if err != nil || len(ex) != 3 {
			t.Fatalf("export = %v, %v", ex, err)
		}
		for _, x := range ex {
			if x.ID == created.ID && (!slices.Equal(x.AssigneeUsernames, []string{"max.mitglied", "mia.mitglied"}) ||
				!slices.Equal(x.LabelNames, []string{"Eilt", "Rechtsprüfung"}) || x.MilestoneTitle != "Genehmigung" || x.StatusName != "In Arbeit") {
				t.Errorf("export row = %+v", x)
			}
		}
	})
}

func TestTaskImportAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		old := f.task(t, "Bleibt", 0)
		other, _, err := f.svc.CreateTask(ctx, f.mem, f.otherProject, project.NewTask{Title: "Fremd"})
		if err != nil {
			t.Fatal(err)
		}
		file := "title;status;due_date;start_date;estimate_hours;labels;assignees;priority;milestone;id;version\n" +
			"Gut;;;;;;;;;;\n" +
			";Nirgends;2026-02-30;;1.000,5;Eilt, Unbekannt;vera.viewer;sofort;Fehlt;;\n" +
			"Datum;;2026-03-01;2026-03-05;;;niemand;;;;\n" +
			fmt.Sprintf("Fremd;;;;;;;;;%d;\n", other.ID) +
			fmt.Sprintf("Alt;;;;;;;;;%d;%d\n", old.ID, old.Version+5) +
			fmt.Sprintf("Doppelt;;;;;;;;;%d;\n", old.ID) +
			"Zu viele;;;;;;;;;;;;;x\n"
		_, err = f.svc.ImportTasks(ctx, f.mem, f.project, strings.NewReader(file))
		var ie *project.TaskImportError
		if !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Code != "task_import_extra_cells" || ie.Problems[0].Line != 8 {
			t.Fatalf("extra cells: %v %+v", err, ie)
		}
		file = strings.TrimSuffix(file, "Zu viele;;;;;;;;;;;;;x\n")
		_, err = f.svc.ImportTasks(ctx, f.mem, f.project, strings.NewReader(file))
		got := tcProblems(t, err)
		want := []string{
			"3 title invalid_task_title", "3 status unknown_task_status", "3 due_date task_import_invalid_date",
			"3 estimate_hours task_import_invalid_number", "3 milestone unknown_task_milestone", "3 labels unknown_task_label",
			"3 assignees task_assignee_not_member", "3 priority invalid_task_priority",
			"4 assignees task_assignee_not_member", "4 due_date invalid_task_dates",
			"5 id task_import_unknown_id", "6 version task_stale", "7 id task_import_duplicate_id",
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("problems =\n%q\nwant\n%q", got, want)
		}
		// Nothing changed, also not the valid first line.
		page, _ := f.svc.ListProjectTasks(ctx, f.mem, f.project, project.TaskFilter{})
		if len(page.Items) != 1 || page.Items[0].Title != "Bleibt" || page.Items[0].Version != old.Version {
			t.Errorf("tasks after a refused import = %+v", page.Items)
		}
		if n := tfAuditCount(t, d, "task.import"); n != 0 {
			t.Errorf("refused import audited")
		}

		for name, c := range map[string]struct {
			file, want string
		}{
			"empty":          {"", "1  task_import_empty"},
			"header only":    {"title\n", "2  task_import_empty"},
			"unknown column": {"title;Zuständig\nA;b\n", "1 Zuständig task_import_unknown_column"},
			"no title":       {"id;status\n;Offen\n", "1 title task_import_missing_column"},
			"duplicate":      {"title;Title\na;b\n", "1 Title task_import_duplicate_column"},
			"bad quotes":     {"title\n\"offen\n", "2  task_import_invalid_csv"},
		} {
			_, err := f.svc.ImportTasks(ctx, f.mem, f.project, strings.NewReader(c.file))
			if got := tcProblems(t, err); len(got) != 1 || got[0] != c.want {
				t.Errorf("%s: problems %q; want %q", name, got, c.want)
			}
		}
		var many strings.Builder
		many.WriteString("title\n")
		for i := range project.MaxTaskImportRows + 1 {
			fmt.Fprintf(&many, "Aufgabe %d\n", i)
		}
		_, err = f.svc.ImportTasks(ctx, f.mem, f.project, strings.NewReader(many.String()))
		if got := tcProblems(t, err); len(got) != 1 || got[0] != fmt.Sprintf("%d  task_import_too_many_rows", project.MaxTaskImportRows+2) {
			t.Errorf("too many rows: %q", got)
		}

		// Rights: viewers and outsiders do not import; confidential is 404.
		_, err = f.svc.ImportTasks(ctx, f.view, f.project, strings.NewReader("title\nA\n"))
		tfWantCode(t, "viewer import", err, apperr.Forbidden, "project_role_required")
		_, err = f.svc.ImportTasks(ctx, f.mem, f.secret, strings.NewReader("title\nA\n"))
		tfWantCode(t, "outsider import into confidential", err, apperr.NotFound, "not_found")
		_, err = f.svc.ExportProjectTasks(ctx, f.out, f.secret)
		tfWantCode(t, "outsider export of confidential", err, apperr.NotFound, "not_found")
	})
}

func TestTaskImportManyRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		var b strings.Builder
		b.WriteString("title;status;estimate_hours\n")
		for i := range project.MaxTaskImportRows {
			fmt.Fprintf(&b, "Aufgabe %d;Offen;0,5\n", i)
		}
		res, err := f.svc.ImportTasks(ctx, f.mem, f.project, strings.NewReader(b.String()))
		if err != nil || res.Created != project.MaxTaskImportRows {
			t.Fatalf("import of %d rows: %+v, %v", project.MaxTaskImportRows, res, err)
		}
		// Board order follows the file.
		page, err := f.svc.ListProjectTasks(ctx, f.mem, f.project, project.TaskFilter{Limit: 3})
		if err != nil || len(page.Items) != 3 || page.Items[0].Title != "Aufgabe 0" || page.Items[2].Title != "Aufgabe 2" {
			t.Errorf("first cards = %+v, %v", page.Items, err)
		}
	})
}
