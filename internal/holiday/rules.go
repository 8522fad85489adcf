package holiday

import (
	"slices"
	"strings"
	"time"

	"ortlos/internal/civil"
)

// rule is one holiday in some Länder over a span of years. Sources for every
// rule are in docs/holidays.md; keep the two in step.
type rule struct {
	name string
	date func(year int, easter civil.Date) civil.Date
	// states are the Länder codes, separated by spaces.
	states string
	// note, when set, makes the holiday regional and says where it applies.
	note string
	// from and to bound the years (inclusive); 0 means unbounded.
	from, to int
}

func (r rule) appliesIn(state string, year int) bool {
	if r.from != 0 && year < r.from || r.to != 0 && year > r.to {
		return false
	}
	return slices.Contains(strings.Fields(r.states), state)
}

// all is every Land.
const all = "BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH"

// Notes of the regional holidays.
const (
	noteAugsburg = "nur im Stadtgebiet Augsburg"
	noteBYMaria  = "in Gemeinden mit überwiegend katholischer Bevölkerung"
	noteSNFron   = "in bestimmten Gemeinden und Ortsteilen des katholisch-sorbischen Gebiets im Landkreis Bautzen"
	noteTHFron   = "in Gemeinden mit überwiegend katholischer Bevölkerung, vor allem im Landkreis Eichsfeld sowie in Teilen des Unstrut-Hainich-Kreises und des Wartburgkreises"
)

// Names shared by several rules.
const (
	nameFrauentag   = "Internationaler Frauentag"
	nameFronleichn  = "Fronleichnam"
	nameMaria       = "Mariä Himmelfahrt"
	nameReformation = "Reformationstag"
)

// rules in calendar order, so that holidays falling on the same date (Tag
// der Arbeit and Christi Himmelfahrt in 2008) keep a natural order.
var rules = []rule{
	{name: "Neujahr", date: fixed(time.January, 1), states: all},
	{name: "Heilige Drei Könige", date: fixed(time.January, 6), states: "BW BY ST"},
	{name: nameFrauentag, date: fixed(time.March, 8), states: "BE", from: 2019},
	{name: nameFrauentag, date: fixed(time.March, 8), states: "MV", from: 2023},
	{name: "Karfreitag", date: easterPlus(-2), states: all},
	// Brandenburg lists Easter and Whit Sunday as holidays of their own;
	// elsewhere they are protected only as Sundays (e.g. Hessen: "die
	// Sonntage sowie ...").
	{name: "Ostersonntag", date: easterPlus(0), states: "BB"},
	{name: "Ostermontag", date: easterPlus(1), states: all},
	{name: "Tag der Arbeit", date: fixed(time.May, 1), states: all},
	{name: "75. Jahrestag der Befreiung vom Nationalsozialismus und der Beendigung des Zweiten Weltkrieges in Europa",
		date: fixed(time.May, 8), states: "BE", from: 2020, to: 2020},
	{name: "80. Jahrestag der Befreiung vom Nationalsozialismus und der Beendigung des Zweiten Weltkrieges in Europa",
		date: fixed(time.May, 8), states: "BE", from: 2025, to: 2025},
	{name: "Christi Himmelfahrt", date: easterPlus(39), states: all},
	{name: "Pfingstsonntag", date: easterPlus(49), states: "BB"},
	{name: "Pfingstmontag", date: easterPlus(50), states: all},
	{name: nameFronleichn, date: easterPlus(60), states: "BW BY HE NW RP SL"},
	{name: nameFronleichn, date: easterPlus(60), states: "SN", note: noteSNFron},
	{name: nameFronleichn, date: easterPlus(60), states: "TH", note: noteTHFron},
	{name: "75. Jahrestag des Aufstandes vom 17. Juni 1953",
		date: fixed(time.June, 17), states: "BE", from: 2028, to: 2028},
	{name: "Augsburger Hohes Friedensfest", date: fixed(time.August, 8), states: "BY", note: noteAugsburg},
	{name: nameMaria, date: fixed(time.August, 15), states: "SL"},
	{name: nameMaria, date: fixed(time.August, 15), states: "BY", note: noteBYMaria},
	{name: "Weltkindertag", date: fixed(time.September, 20), states: "TH", from: 2019},
	{name: "Tag der Deutschen Einheit", date: fixed(time.October, 3), states: all},
	{name: nameReformation, date: fixed(time.October, 31), states: "BB MV SN ST TH"},
	{name: nameReformation, date: fixed(time.October, 31), states: "HB HH NI SH", from: 2018},
	// The 500th anniversary of the Reformation: a one-off holiday in the
	// Länder that did not have Reformationstag anyway.
	{name: nameReformation, date: fixed(time.October, 31), states: "BW BY BE HB HH HE NI NW RP SL SH", from: 2017, to: 2017},
	{name: "Allerheiligen", date: fixed(time.November, 1), states: "BW BY NW RP SL"},
	{name: "Buß- und Bettag", date: bussUndBettag, states: "SN"},
	{name: "1. Weihnachtstag", date: fixed(time.December, 25), states: all},
	{name: "2. Weihnachtstag", date: fixed(time.December, 26), states: all},
}

func fixed(m time.Month, d int) func(int, civil.Date) civil.Date {
	return func(year int, _ civil.Date) civil.Date { return civil.Date{Year: year, Month: m, Day: d} }
}

func easterPlus(days int) func(int, civil.Date) civil.Date {
	return func(_ int, easter civil.Date) civil.Date { return easter.AddDays(days) }
}

// bussUndBettag is the Wednesday before 23 November (16 to 22 November).
func bussUndBettag(year int, _ civil.Date) civil.Date {
	d := civil.Date{Year: year, Month: time.November, Day: 22}
	back := (int(d.Weekday()) - int(time.Wednesday) + 7) % 7
	return d.AddDays(-back)
}
