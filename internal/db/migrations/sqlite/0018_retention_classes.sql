-- Default retention classes (Aufbewahrungsklassen, issue 6). Codes are
-- stable: API clients, file plans and deletion records refer to them.
-- Years count from the end of the calendar year of the trigger event;
-- docs/retention.md explains each legal basis. Classes are lengthened,
-- never shortened, once records use them; custom classes are added by
-- records management and administrators.

INSERT INTO retention_classes (code, name, years, trigger, legal_basis, created_at, updated_at) VALUES
('HGB-257-6', 'Handels- und Geschäftsbriefe, sonstige steuerlich bedeutsame Unterlagen', 6, 'file_closed',
 '§ 257 Abs. 1 Nr. 2, 3, Abs. 4, 5 HGB; § 147 Abs. 1 Nr. 2, 3, 5, Abs. 3, 4 AO', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'),
('AO-147-8', 'Buchungsbelege', 8, 'document_date',
 '§ 147 Abs. 1 Nr. 4, Abs. 3, 4 AO; § 257 Abs. 1 Nr. 4, Abs. 4, 5 HGB (8 Jahre seit dem Vierten Bürokratieentlastungsgesetz, ab 1. Januar 2025)', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'),
('HGB-257-10', 'Handelsbücher, Inventare, Jahresabschlüsse, Lageberichte, Eröffnungsbilanzen', 10, 'file_closed',
 '§ 257 Abs. 1 Nr. 1, Abs. 4, 5 HGB; § 147 Abs. 1 Nr. 1, Abs. 3, 4 AO', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'),
('BBG-113-PA-5', 'Personalakten (nach Abschluss der Akte)', 5, 'file_closed',
 '§ 113 Abs. 1 BBG; für Landesbeamtinnen und -beamte das entsprechende Landesbeamtengesetz', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'),
('BBG-113-BH-5', 'Beihilfeunterlagen (nach Abschluss des Vorgangs)', 5, 'file_closed',
 '§ 113 Abs. 2 BBG; für Landesbeamtinnen und -beamte das entsprechende Landesbeamtengesetz', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z');
