package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/document"
)

// demoFolder is a folder of the demo file plan: its key, the key of its
// parent, kind, reference ("" generates one), title, owner unit (the
// unit's name in demoUnits), retention class code ("" inherits), grants
// and whether the folder does not inherit its parent's grants.
type demoFolder struct {
	key, parent, kind, ref, title, unit, class string
	grants                                     []demoGrant
	noInherit                                  bool
}

// demoGrant grants access to a role, a demo unit (by key) or a demo user
// (by username).
type demoGrant struct {
	kind, who string
	access    document.Access
}

// demoFilePlan is a small municipal file plan after the pattern of the
// KGSt plans: main groups (Hauptgruppen), groups, then files.
var demoFilePlan = []demoFolder{
	{key: "0", kind: document.FolderPlan, ref: "0", title: "Allgemeine Verwaltung", unit: "verw",
		grants: []demoGrant{{document.PrincipalOrgUnit, "verw", document.AccessRead}}},
	{key: "0.1", parent: "0", kind: document.FolderPlan, ref: "0.1", title: "Organisation", unit: "amt10", class: "HGB-257-10",
		grants: []demoGrant{{document.PrincipalOrgUnit, "amt10", document.AccessManage}}},
	{key: "gvp", parent: "0.1", kind: document.FolderFile, title: "Geschäftsverteilungsplan 2026"},
	{key: "dv", parent: "0.1", kind: document.FolderFile, title: "Dienstvereinbarung mobiles Arbeiten"},
	{key: "1", kind: document.FolderPlan, ref: "1", title: "Personal", unit: "amt10",
		grants: []demoGrant{{document.PrincipalRole, actor.RoleHR, document.AccessManage}}},
	{key: "1.2", parent: "1", kind: document.FolderPlan, ref: "1.2", title: "Personalakten", unit: "amt10", class: "BBG-113-PA-5"},
	// Personnel files do not inherit: only HR and the person's lead.
	{key: "pa", parent: "1.2", kind: document.FolderFile, title: "Personalakte Lukas Becker", noInherit: true,
		grants: []demoGrant{{document.PrincipalRole, actor.RoleHR, document.AccessManage}, {document.PrincipalUser, "martina.schulz", document.AccessRead}}},
	{key: "3", kind: document.FolderPlan, ref: "3", title: "Bürgerdienste", unit: "fb2",
		grants: []demoGrant{{document.PrincipalOrgUnit, "fb2", document.AccessRead}}},
	{key: "3.2", parent: "3", kind: document.FolderPlan, ref: "3.2", title: "Meldewesen", unit: "amt32", class: "HGB-257-6",
		grants: []demoGrant{{document.PrincipalOrgUnit, "amt32", document.AccessWrite}, {document.PrincipalUser, "martina.schulz", document.AccessManage}}},
	{key: "sperren", parent: "3.2", kind: document.FolderFile, title: "Auskunftssperren 2026"},
	{key: "3.3", parent: "3", kind: document.FolderPlan, ref: "3.3", title: "Personenstandswesen", unit: "amt33", class: "HGB-257-10",
		grants: []demoGrant{{document.PrincipalOrgUnit, "amt33", document.AccessWrite}, {document.PrincipalUser, "birgit.neumann", document.AccessManage}}},
	{key: "ehe", parent: "3.3", kind: document.FolderFile, title: "Eheschließungen 2026"},
	{key: "6", kind: document.FolderPlan, ref: "6", title: "Bauen und Umwelt", unit: "fb3",
		grants: []demoGrant{{document.PrincipalOrgUnit, "fb3", document.AccessRead}}},
	{key: "6.1", parent: "6", kind: document.FolderPlan, ref: "6.1", title: "Bauordnung und Baugenehmigungen", unit: "amt61", class: "HGB-257-10",
		grants: []demoGrant{{document.PrincipalOrgUnit, "amt61", document.AccessWrite}, {document.PrincipalUser, "stefan.wagner", document.AccessManage}}},
	{key: "linden", parent: "6.1", kind: document.FolderFile, title: "Bauantrag Lindenstraße 4 (Neubau Einfamilienhaus)"},
	{key: "markt", parent: "6.1", kind: document.FolderFile, title: "Bauantrag Marktplatz 1 (Umbau Ladenlokal)"},
	{key: "hang", parent: "6.1", kind: document.FolderFile, title: "Bauantrag Am Hang 2 (Garage) – abgeschlossen"},
	{key: "rech", parent: "6", kind: document.FolderPlan, ref: "6.9", title: "Gebühren und Rechnungen", unit: "fb3", class: "AO-147-8"},
}

// demoDocTypes are the default document types of the demo.
var demoDocTypes = []document.NewDocType{
	{Name: "Antrag", Fields: []document.DocField{
		{Key: "eingangsdatum", Label: "Eingangsdatum", Kind: document.FieldDate, Required: true},
		{Key: "antragsteller", Label: "Antragsteller/in", Kind: document.FieldText}}},
	{Name: "Bescheid", Fields: []document.DocField{
		{Key: "bescheiddatum", Label: "Datum des Bescheids", Kind: document.FieldDate, Required: true},
		{Key: "zustellung", Label: "Zugestellt am", Kind: document.FieldDate}}},
	{Name: "Schreiben", Fields: []document.DocField{
		{Key: "absender", Label: "Absender", Kind: document.FieldText},
		{Key: "eingangsdatum", Label: "Eingangsdatum", Kind: document.FieldDate}}},
	{Name: "Vermerk"},
	{Name: "Rechnung", Fields: []document.DocField{
		{Key: "rechnungsnummer", Label: "Rechnungsnummer", Kind: document.FieldText, Required: true},
		{Key: "rechnungsdatum", Label: "Rechnungsdatum", Kind: document.FieldDate, Required: true},
		{Key: "betrag", Label: "Betrag in Euro", Kind: document.FieldNumber, Required: true}}},
}

// seedDemoDocuments gives the demo organisation a file plan with grants to
// its org units, roles and leads, the default document types and one
// closed file (closed by the lead of Amt 61). units maps the keys of
// demoUnits to their ids, ids the demo usernames to theirs.
func seedDemoDocuments(ctx context.Context, m *Main, units, ids map[string]int64) error {
	a := actor.CLI()
	classes := map[string]int64{}
	rows, err := m.DB.QueryContext(ctx, "SELECT id, code FROM retention_classes")
	if err != nil {
		return fmt.Errorf("demo: retention classes: %w", err)
	}
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			rows.Close()
			return fmt.Errorf("demo: retention classes: %w", err)
		}
		classes[code] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("demo: retention classes: %w", err)
	}
	types := map[string]int64{}
	for _, t := range demoDocTypes {
		if t.Name == "Rechnung" {
			t.RetentionClassID = classes["AO-147-8"]
		}
		created, err := m.Document.CreateDocType(ctx, a, t)
		if err != nil {
			return fmt.Errorf("demo: document type %s: %w", t.Name, err)
		}
		types[t.Name] = created.ID
	}
	folders := map[string]int64{}
	for _, f := range demoFilePlan {
		n := document.NewFolder{ParentID: folders[f.parent], Kind: f.kind, Reference: f.ref, Title: f.title, OwnerUnitID: units[f.unit],
			RetentionClassID: classes[f.class]}
		if f.noInherit {
			no := false
			n.InheritAccess = &no
		}
		created, err := m.Document.CreateFolder(ctx, a, n)
		if err != nil {
			return fmt.Errorf("demo: folder %s: %w", f.title, err)
		}
		folders[f.key] = created.ID
		if len(f.grants) == 0 {
			continue
		}
		var gs []document.Grant
		for _, g := range f.grants {
			p := g.who
			switch g.kind {
			case document.PrincipalOrgUnit:
				p = strconv.FormatInt(units[g.who], 10)
			case document.PrincipalUser:
				p = strconv.FormatInt(ids[g.who], 10)
			}
			gs = append(gs, document.Grant{Kind: g.kind, Principal: p, Access: g.access})
		}
		if _, err := m.Document.SetFolderGrants(ctx, a, created.ID, gs, nil); err != nil {
			return fmt.Errorf("demo: grants of %s: %w", f.title, err)
		}
	}
	for _, d := range demoDocuments {
		if err := seedDemoDocument(ctx, m, d, folders[d.file], types[d.typ], ids); err != nil {
			return fmt.Errorf("demo: document %s: %w", d.title, err)
		}
	}
	lead := demoActor(ids, "stefan.wagner", actor.RoleLead, actor.RoleEmployee)
	if _, err := m.Document.CloseFolder(ctx, lead, folders["hang"]); err != nil {
		return fmt.Errorf("demo: close file: %w", err)
	}
	return nil
}

// demoActor is the demo user username acting with roles.
func demoActor(ids map[string]int64, username string, roles ...string) actor.Actor {
	return actor.Actor{UserID: ids[username], Username: username, Roles: roles, Via: actor.ViaSystem}
}

// demoDocument is a document of the demo: its file (key of demoFilePlan),
// type name, title, date, custom fields, the person filing it, the texts
// of its versions (Markdown) and whether it is final.
type demoDocument struct {
	file, typ, title, by string
	date                 civil.Date
	fields               map[string]string
	tags                 []string
	versions             []string
	final                bool
}

// demoDocuments give the demo's search, version history and WebDAV
// something to show.
var demoDocuments = []demoDocument{
	{file: "dv", typ: "Vermerk", title: "Dienstvereinbarung mobiles Arbeiten", by: "uwe.hartmann", date: civil.D(2026, 3, 1),
		tags: []string{"Dienstvereinbarung", "Homeoffice"}, final: true, versions: []string{
			"# Dienstvereinbarung mobiles Arbeiten (Entwurf)\n\nBeschäftigte können bis zu drei Tage in der Woche ortsunabhängig arbeiten. " +
				"Die Arbeitszeit wird elektronisch erfasst.\n",
			"# Dienstvereinbarung mobiles Arbeiten\n\n## § 1 Geltungsbereich\n\nDiese Vereinbarung gilt für alle Beschäftigten der Stadtverwaltung.\n\n" +
				"## § 2 Umfang\n\nBeschäftigte können bis zu drei Tage in der Woche ortsunabhängig arbeiten, nach Absprache mit der Führungskraft.\n\n" +
				"## § 3 Arbeitszeit\n\nDie Arbeitszeit wird elektronisch erfasst; die Ruhezeiten des Arbeitszeitgesetzes gelten auch im Homeoffice.\n\n" +
				"## § 4 Datenschutz\n\nDienstliche Unterlagen werden nur in der E-Akte abgelegt, nicht auf privaten Geräten.\n",
		}},
	{file: "linden", typ: "Antrag", title: "Bauantrag Neubau Einfamilienhaus", by: "julia.fischer", date: civil.D(2026, 9, 14),
		fields: map[string]string{"eingangsdatum": "2026-09-14", "antragsteller": "Familie Krüger"}, versions: []string{
			"# Bauantrag\n\nNeubau eines Einfamilienhauses mit Carport, Lindenstraße 4, Flurstück 112/3.\n\n" +
				"Beigefügt: Lageplan, Bauzeichnungen, Baubeschreibung, Standsicherheitsnachweis.\n",
		}},
	{file: "linden", typ: "Vermerk", title: "Stellungnahme Tiefbauamt zur Entwässerung", by: "mehmet.demir", date: civil.D(2026, 10, 2),
		versions: []string{
			"Vermerk\n\nDer Anschluss an den öffentlichen Abwasserkanal ist möglich. Niederschlagswasser ist auf dem Grundstück zu versickern; " +
				"eine Versickerungsanlage ist im Entwässerungsantrag nachzuweisen.\n",
		}},
	{file: "markt", typ: "Antrag", title: "Bauantrag Umbau Ladenlokal zur Bäckerei", by: "katrin.schroeder", date: civil.D(2026, 10, 20),
		fields: map[string]string{"eingangsdatum": "2026-10-20", "antragsteller": "Bäckerei Sommer GmbH"}, versions: []string{
			"# Bauantrag\n\nNutzungsänderung und Umbau des Ladenlokals Marktplatz 1 zu einer Bäckerei mit Café (24 Sitzplätze). " +
				"Der Brandschutznachweis und die Stellplatzablöse sind beantragt.\n",
		}},
	{file: "hang", typ: "Bescheid", title: "Baugenehmigung Garage Am Hang 2", by: "stefan.wagner", date: civil.D(2025, 6, 30),
		fields: map[string]string{"bescheiddatum": "2025-06-30"}, final: true, versions: []string{
			"# Baugenehmigung\n\nDie Errichtung einer Garage mit Flachdach auf dem Grundstück Am Hang 2 wird genehmigt. " +
				"Die Abstandsflächen sind eingehalten. Gebühr: 180,00 Euro.\n",
		}},
}

// seedDemoDocument files d into folder as its author; later versions
// give it a history, and a final document is signed off.
func seedDemoDocument(ctx context.Context, m *Main, d demoDocument, folder, typ int64, ids map[string]int64) error {
	a := demoActor(ids, d.by, actor.RoleEmployee)
	if d.by == "stefan.wagner" {
		a.Roles = append(a.Roles, actor.RoleLead)
	}
	date := d.date
	doc, err := m.Document.CreateDocument(ctx, a, folder, document.NewDocument{Title: d.title, TypeID: typ, DocumentDate: &date,
		Fields: d.fields, Tags: d.tags}, &document.Upload{Filename: demoFilename(d.title), Declared: "text/markdown",
		Content: strings.NewReader(d.versions[0])})
	if err != nil {
		return err
	}
	for i, text := range d.versions[1:] {
		based := i + 1
		if _, _, err := m.Document.UploadVersion(ctx, a, doc.ID, document.Upload{Filename: demoFilename(d.title), Declared: "text/markdown",
			Content: strings.NewReader(text), BasedOn: &based}); err != nil {
			return err
		}
	}
	if d.final {
		if _, err := m.Document.FinalizeDocument(ctx, a, doc.ID, nil); err != nil {
			return err
		}
	}
	return nil
}

// demoFilename is a file name for a title: words joined by "-", ".md".
func demoFilename(title string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r == '(' || r == ')' || r == ',' {
			return -1
		}
		return r
	}, title)), "-") + ".md"
}
