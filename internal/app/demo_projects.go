package app

import (
	"context"
	"fmt"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/project"
)

// demoTask is a task of the demo template: its column (0-based), the day
// of its start and due date counted from the template's start, and an
// estimate in minutes.
type demoTask struct {
	col         int
	title, desc string
	priority    string
	start, due  int
	estimate    int
	checklist   []string
	milestone   int // 1-based index into the milestones, 0 none
}

// seedDemoProjects gives the demo organisation a project template
// "Verwaltungsverfahren (Antrag bis Bescheid)" and one project copied from
// it in the Bauordnung (Amt 61), managed by its lead.
func seedDemoProjects(ctx context.Context, m *Main, ids map[string]int64) error {
	lead := actor.Actor{UserID: ids["stefan.wagner"], Username: "stefan.wagner", Roles: []string{actor.RoleLead, actor.RoleEmployee}, Via: actor.ViaSystem}
	today := m.Worktime.Today()
	start := today.AddDays(-14)
	for start.Weekday() != time.Monday {
		start = start.AddDays(-1)
	}
	tStart := civil.D(2026, 1, 5)
	tmpl, err := m.Project.Create(ctx, lead, project.NewProject{Name: "Verwaltungsverfahren (Antrag bis Bescheid)", Template: true, Start: &tStart,
		Goal: "Ein Antrag wird vollständig, fristgerecht und rechtssicher beschieden.",
		Description: "Vorlage für ein typisches Verwaltungsverfahren nach dem VwVfG: Eingang, Vollständigkeitsprüfung, " +
			"Beteiligung, Anhörung (§ 28 VwVfG), Entscheidung und Bescheid mit Rechtsbehelfsbelehrung.\n\n" +
			"Beim Kopieren verschieben sich alle Termine mit dem gewählten Beginn."})
	if err != nil {
		return fmt.Errorf("demo: template: %w", err)
	}
	cols, err := m.Project.Columns(ctx, lead, tmpl.ID)
	if err != nil {
		return fmt.Errorf("demo: template columns: %w", err)
	}
	var msIDs []int64
	for _, ms := range []struct {
		title string
		day   int
	}{{"Antrag vollständig", 14}, {"Anhörung abgeschlossen", 42}, {"Bescheid zugestellt", 56}} {
		x, err := m.Project.CreateMilestone(ctx, lead, tmpl.ID, project.NewMilestone{Title: ms.title, Due: tStart.AddDays(ms.day)})
		if err != nil {
			return fmt.Errorf("demo: milestone: %w", err)
		}
		msIDs = append(msIDs, x.ID)
	}
	urgent, err := m.Project.CreateLabel(ctx, lead, tmpl.ID, "Frist", "#c0392b")
	if err != nil {
		return fmt.Errorf("demo: label: %w", err)
	}
	if _, err := m.Project.CreateLabel(ctx, lead, tmpl.ID, "Beteiligung", "#2e86c1"); err != nil {
		return fmt.Errorf("demo: label: %w", err)
	}
	tasks := []demoTask{
		{0, "Eingang erfassen und Eingangsbestätigung versenden", "Aktenzeichen vergeben, Eingangsdatum vermerken, Bestätigung an die antragstellende Person.", "normal", 0, 2, 30,
			[]string{"Aktenzeichen vergeben", "Eingangsstempel / Eingangsdatum", "Eingangsbestätigung versandt"}, 0},
		{0, "Vollständigkeit der Unterlagen prüfen", "Fehlende Unterlagen mit Frist nachfordern.", "high", 1, 10, 90,
			[]string{"Antragsformular unterschrieben", "Nachweise vollständig", "Gebühr / Vorschuss eingegangen"}, 1},
		{0, "Zuständigkeit und Verfahrensart klären", "Sachliche und örtliche Zuständigkeit prüfen; ggf. abgeben.", "normal", 1, 5, 30, nil, 1},
		{0, "Fachstellen und Träger öffentlicher Belange beteiligen", "Stellungnahmen mit Frist anfordern und nachhalten.", "normal", 14, 35, 120,
			[]string{"Beteiligte festlegen", "Anschreiben versandt", "Stellungnahmen eingegangen"}, 0},
		{0, "Anhörung nach § 28 VwVfG durchführen", "Bei belastender Entscheidung: Gelegenheit zur Äußerung geben (in der Regel zwei Wochen).", "high", 28, 42, 60, nil, 2},
		{0, "Entscheidung vorbereiten (Entscheidungsvorschlag)", "Sachverhalt, rechtliche Würdigung, Ermessen, Ergebnis.", "normal", 42, 49, 240, nil, 0},
		{0, "Bescheid entwerfen und mitzeichnen lassen", "Tenor, Begründung, Nebenbestimmungen, Kostenentscheidung, Rechtsbehelfsbelehrung.", "high", 45, 52, 180,
			[]string{"Tenor", "Begründung", "Kostenentscheidung", "Rechtsbehelfsbelehrung", "Mitzeichnung"}, 0},
		{0, "Bescheid zustellen und Frist für Widerspruch notieren", "Zustellungsart wählen; Bestandskraft nach einem Monat vermerken.", "urgent", 52, 56, 30, nil, 3},
		{0, "Akte abschließen", "Vorgang abschließen und nach Aktenplan ablegen.", "low", 56, 90, 30, nil, 0},
	}
	for _, dt := range tasks {
		s, d := tStart.AddDays(dt.start), tStart.AddDays(dt.due)
		est := dt.estimate
		n := project.NewTask{StatusID: cols[dt.col].ID, Title: dt.title, Description: dt.desc, Priority: dt.priority, StartDate: &s, DueDate: &d, EstimateMinutes: &est}
		if dt.milestone > 0 {
			n.MilestoneID = msIDs[dt.milestone-1]
		}
		if dt.priority == "high" || dt.priority == "urgent" {
			n.LabelIDs = []int64{urgent.ID}
		}
		task, _, err := m.Project.CreateTask(ctx, lead, tmpl.ID, n)
		if err != nil {
			return fmt.Errorf("demo: template task: %w", err)
		}
		for _, item := range dt.checklist {
			if _, err := m.Project.AddChecklistItem(ctx, lead, task.ID, item); err != nil {
				return fmt.Errorf("demo: checklist: %w", err)
			}
		}
	}

	p, err := m.Project.CopyTemplate(ctx, lead, tmpl.ID, project.TemplateCopy{Name: "Bauantrag Lindenstraße 12 (Anbau Kita)", Start: &start})
	if err != nil {
		return fmt.Errorf("demo: project from template: %w", err)
	}
	active := project.StatusActive
	if _, err := m.Project.Update(ctx, lead, p.ID, project.ProjectUpdate{Version: p.Version, Status: &active}); err != nil {
		return fmt.Errorf("demo: project status: %w", err)
	}
	for _, mem := range []struct {
		user string
		role project.Role
	}{{"julia.fischer", project.RoleManager}, {"mehmet.demir", project.RoleMember}, {"katrin.schroeder", project.RoleMember}, {"birgit.neumann", project.RoleViewer}} {
		if _, err := m.Project.SetMember(ctx, lead, p.ID, ids[mem.user], mem.role); err != nil {
			return fmt.Errorf("demo: project member: %w", err)
		}
	}
	return nil
}
