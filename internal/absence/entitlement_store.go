package absence

// Leave accounts (Urlaubskonten): the entitlement of a year computed by
// package entitlement from the contract data HR maintains, the carry-over
// from the previous year and its expiry (§ 7(3) BUrlG), manual adjustments
// with a reason, and the leave taken and planned. Every figure comes with
// a line that explains it; docs/leave-account.md describes the rules.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/absence/entitlement"
	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// The carry-over of the previous year's remaining leave expires at the
// end of this day of the following year unless taken by then (§ 7(3)
// BUrlG: 31 March). The organisation may set another day
// (WithCarryOverExpiry, ORTLOS_LEAVE_CARRYOVER_EXPIRY), e.g. under a
// collective agreement; individual exceptions are booked as adjustments.
const (
	CarryOverExpiryMonth = time.March
	CarryOverExpiryDay   = 31
)

// CarryOverExpiry is a day of the year (month and day; 29 February is
// not allowed, as it does not exist every year).
type CarryOverExpiry struct {
	Month time.Month
	Day   int
}

// WithCarryOverExpiry returns a copy of s in which the carry-over expires
// at the end of e in the following year (zero: 31 March).
func (s *Service) WithCarryOverExpiry(e CarryOverExpiry) *Service {
	c := *s
	c.carryOverExpiry = e
	return &c
}

// expiry is the carry-over expiry day in year.
func (s *Service) expiry(year int) civil.Date {
	if s.carryOverExpiry.Month == 0 {
		return civil.D(year, CarryOverExpiryMonth, CarryOverExpiryDay)
	}
	return civil.D(year, s.carryOverExpiry.Month, s.carryOverExpiry.Day)
}

// Bounds of the leave account input.
const (
	// MaxAdjustmentDays bounds the amount of one adjustment.
	MaxAdjustmentDays = 366
	// MaxReasonRunes bounds the reason of an adjustment.
	MaxReasonRunes = 500
	// defaultDaysPerWeek is assumed when the person has no work model.
	defaultDaysPerWeek = 5
	// vacationType is the absence type that draws from the leave account.
	vacationType = "vacation"
)

// Line codes of a leave account. They are stable: the UI translates them
// and programs may rely on them.
const (
	LineDaysPerWeek           = "days_per_week"           // days per week from the work model
	LineDaysPerWeekAssumed    = "days_per_week_assumed"   // no work model: five days assumed
	LineNoContract            = "no_contract"             // no contract data: statutory minimum only
	LineNotEmployed           = "not_employed"            // no day of employment in the year
	LineEntitlement           = "entitlement"             // entitlement of the year
	LineCarryOverNotDerived   = "carry_over_not_derived"  // first year of the account
	LineCarryOver             = "carry_over"              // remaining days of the previous year
	LineCarryOverExpires      = "carry_over_expires"      // unused carry-over lapses on the expiry day
	LineCarryOverExpired      = "carry_over_expired"      // the part not taken by the expiry day lapsed
	LineAdjustment            = "adjustment"              // one manual adjustment with its reason
	LineTaken                 = "taken"                   // approved leave of the year
	LineRemaining             = "remaining"               // result
	LinePlanned               = "planned"                 // requested leave not yet decided
	LineRemainingAfterPlanned = "remaining_after_planned" // result if all requests are approved
)

// LeaveContract is the contract data of one person's leave account.
type LeaveContract struct {
	UserID int64
	// AnnualDays is the contractual entitlement for a five-day week (0:
	// the statutory minimum only).
	AnnualDays int
	// EmploymentStart and EmploymentEnd are the first and last day of
	// employment; zero when not given.
	EmploymentStart, EmploymentEnd civil.Date
	// FirstYear is the first year the account is kept in ortlos: no
	// carry-over is derived into it.
	FirstYear int
	UpdatedAt time.Time
	UpdatedBy int64
}

// LeaveContractInput is what HR sets.
type LeaveContractInput struct {
	AnnualDays                     int
	EmploymentStart, EmploymentEnd civil.Date
	// FirstYear 0 keeps the recorded first year, or for new contract data
	// takes the current year (the year of the employment start when that
	// is later).
	FirstYear int
}

// LeaveAdjustment is a manual correction of the account of one year.
type LeaveAdjustment struct {
	ID        int64
	UserID    int64
	Year      int
	Days      *big.Rat
	Reason    string
	CreatedAt time.Time
	CreatedBy int64
}

// NewLeaveAdjustment is the input of AddLeaveAdjustment. Days is a decimal
// number with at most two decimals ("1.5", "-2", "0,5"), not zero.
type NewLeaveAdjustment struct {
	Year   int
	Days   string
	Reason string
}

// AccountLine is one line of "how the number came about".
type AccountLine struct {
	Code string
	// Days is the amount the line adds (negative: subtracts) or, for the
	// result lines, the result; nil for lines that only explain.
	Days *big.Rat
	// Args are the figures of the explanation in the order the catalogue
	// entry absence.line_<code>_text uses them: civil.Date, *big.Rat
	// (days), int or string.
	Args []any
	// Text explains the line in one English sentence (API).
	Text string
	// Total marks a result line.
	Total bool
}

// LeaveAccount is the leave account of one person and year.
type LeaveAccount struct {
	UserID   int64
	UserName string
	Year     int
	// Contract is nil when HR has not recorded contract data.
	Contract    *LeaveContract
	DaysPerWeek int
	// Entitlement is the calculation of the year's entitlement.
	Entitlement entitlement.Result
	// CarryOver is the remaining leave of the previous year (0 in the
	// first year of the account); it expires on CarryOverExpires.
	CarryOver        *big.Rat
	CarryOverExpires civil.Date
	// CarryOverExpired is the part of the carry-over that lapsed (0 before
	// the expiry day has passed).
	CarryOverExpired *big.Rat
	Adjustments      []LeaveAdjustment
	AdjustmentDays   *big.Rat
	// Taken are the working days of approved leave in the year (also
	// approved leave still ahead); Planned those of requests.
	Taken, Planned *big.Rat
	// Remaining = entitlement + carry-over − expired + adjustments − taken.
	Remaining *big.Rat
	// RemainingAfterPlanned is Remaining − Planned.
	RemainingAfterPlanned *big.Rat
	Lines                 []AccountLine
	// CanManage: the actor may set the contract data and add adjustments.
	CanManage bool
}

// errLeaveHROnly refuses a change of the leave account to someone who may
// read it but not change it (the person, their lead).
var errLeaveHROnly = apperr.Forbiddenf("forbidden", "only HR and administrators change leave accounts")

// canManageLeave decides whether a may set the contract data and add
// adjustments for ownerID: HR and administrators. Whoever may read the
// account gets 403, everyone else 404.
func canManageLeave(a actor.Actor, ownerID, ownerSupervisorID int64) error {
	if !canView(a, ownerID, ownerSupervisorID) {
		return errNotFound
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	if !isHR(a) {
		return errLeaveHROnly
	}
	return nil
}

func errLeaveYear() error {
	return apperr.Invalidf("invalid_leave_year", "the year must be between %d and %d", entitlement.MinYear, entitlement.MaxYear).WithField("year", "invalid_leave_year")
}

// --- contract data ------------------------------------------------------

const selectContract = `SELECT user_id, annual_days, employment_start, employment_end, first_year, updated_at, updated_by FROM leave_contracts WHERE user_id = ?`

func loadContract(ctx context.Context, q db.Querier, userID int64) (*LeaveContract, error) {
	var c LeaveContract
	var start, end sql.NullString
	var updated db.Time
	var by sql.NullInt64
	err := q.QueryRowContext(ctx, selectContract, userID).Scan(&c.UserID, &c.AnnualDays, &start, &end, &c.FirstYear, &updated, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("absence: get leave contract: %w", err)
	}
	if start.Valid {
		if c.EmploymentStart, err = civil.Parse(start.String); err != nil {
			return nil, fmt.Errorf("absence: leave contract %d: start: %w", userID, err)
		}
	}
	if end.Valid {
		if c.EmploymentEnd, err = civil.Parse(end.String); err != nil {
			return nil, fmt.Errorf("absence: leave contract %d: end: %w", userID, err)
		}
	}
	c.UpdatedAt, c.UpdatedBy = updated.Time, by.Int64
	return &c, nil
}

func nullDate(d civil.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// SetLeaveContract records the contract data of userID's leave account
// (HR and administrators; audited as absence.contract_set).
func (s *Service) SetLeaveContract(ctx context.Context, a actor.Actor, userID int64, in LeaveContractInput) (LeaveContract, error) {
	p, err := s.person(ctx, s.db, userID)
	if err != nil {
		return LeaveContract{}, err
	}
	if err := canManageLeave(a, p.id, p.supervisor); err != nil {
		return LeaveContract{}, err
	}
	if in.AnnualDays < 0 || in.AnnualDays > entitlement.MaxAnnualDays {
		return LeaveContract{}, apperr.Invalidf("invalid_annual_days", "annual days must be 0 to %d", entitlement.MaxAnnualDays).WithField("annual_days", "invalid_annual_days")
	}
	if !in.EmploymentStart.IsZero() && !in.EmploymentEnd.IsZero() && in.EmploymentEnd.Before(in.EmploymentStart) {
		return LeaveContract{}, apperr.Invalidf("invalid_range", "the end of employment is before its start").WithField("employment_end", "invalid_range")
	}
	if in.FirstYear != 0 && (in.FirstYear < entitlement.MinYear || in.FirstYear > entitlement.MaxYear) {
		return LeaveContract{}, apperr.Invalidf("invalid_leave_year", "the first year must be between %d and %d", entitlement.MinYear, entitlement.MaxYear).WithField("first_year", "invalid_leave_year")
	}
	today := s.Today()
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := lockUser(ctx, tx, userID); err != nil {
			return nil, err
		}
		prev, err := loadContract(ctx, tx, userID)
		if err != nil {
			return nil, err
		}
		first := in.FirstYear
		switch {
		case first != 0:
		case prev != nil:
			first = prev.FirstYear
		default:
			first = today.Year
			if !in.EmploymentStart.IsZero() && in.EmploymentStart.Year > first {
				first = in.EmploymentStart.Year
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO leave_contracts (user_id, annual_days, employment_start, employment_end, first_year, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET annual_days = excluded.annual_days, employment_start = excluded.employment_start,
			employment_end = excluded.employment_end, first_year = excluded.first_year, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			userID, in.AnnualDays, nullDate(in.EmploymentStart), nullDate(in.EmploymentEnd), first, db.T(now), actorID(a)); err != nil {
			return nil, fmt.Errorf("absence: set leave contract: %w", err)
		}
		detail := map[string]any{"user_id": userID, "annual_days": in.AnnualDays, "employment_start": dateOrEmpty(in.EmploymentStart),
			"employment_end": dateOrEmpty(in.EmploymentEnd), "first_year": first}
		if prev != nil {
			detail["previous"] = map[string]any{"annual_days": prev.AnnualDays, "employment_start": dateOrEmpty(prev.EmploymentStart),
				"employment_end": dateOrEmpty(prev.EmploymentEnd), "first_year": prev.FirstYear}
		}
		return []audit.Event{{Action: "absence.contract_set", ObjectType: "leave_contract", ObjectID: itoa(userID), Detail: detail}}, nil
	})
	if err != nil {
		return LeaveContract{}, err
	}
	c, err := loadContract(ctx, s.db, userID)
	if err != nil {
		return LeaveContract{}, err
	}
	return *c, nil
}

func dateOrEmpty(d civil.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// --- adjustments --------------------------------------------------------

// ParseLeaveDays reads an amount of days: a decimal number with a point or
// a comma and at most two decimals.
func ParseLeaveDays(s string) (*big.Rat, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	if s == "" || strings.ContainsAny(s, "eE/ ") {
		return nil, false
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 2 {
		return nil, false
	}
	d, ok := new(big.Rat).SetString(s)
	return d, ok
}

func errAdjustmentDays() error {
	return apperr.Invalidf("invalid_adjustment_days", "days must be a number other than 0 with at most two decimals, at most %d", MaxAdjustmentDays).WithField("days", "invalid_adjustment_days")
}

// AddLeaveAdjustment adds a manual adjustment with a reason to userID's
// account of n.Year (HR and administrators; audited as
// absence.adjustment_add, without the reason, which may be personal).
func (s *Service) AddLeaveAdjustment(ctx context.Context, a actor.Actor, userID int64, n NewLeaveAdjustment) (LeaveAdjustment, error) {
	p, err := s.person(ctx, s.db, userID)
	if err != nil {
		return LeaveAdjustment{}, err
	}
	if err := canManageLeave(a, p.id, p.supervisor); err != nil {
		return LeaveAdjustment{}, err
	}
	if n.Year < entitlement.MinYear || n.Year > entitlement.MaxYear {
		return LeaveAdjustment{}, errLeaveYear()
	}
	d, ok := ParseLeaveDays(n.Days)
	if !ok || d.Sign() == 0 || new(big.Rat).Abs(d).Cmp(big.NewRat(MaxAdjustmentDays, 1)) > 0 {
		return LeaveAdjustment{}, errAdjustmentDays()
	}
	reason := strings.TrimSpace(n.Reason)
	if l := utf8.RuneCountInString(reason); l == 0 || l > MaxReasonRunes {
		return LeaveAdjustment{}, apperr.Invalidf("reason_required", "a reason of 1 to %d characters is required", MaxReasonRunes).WithField("reason", "reason_required")
	}
	var id int64
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := tx.QueryRowContext(ctx, `INSERT INTO leave_adjustments (user_id, year, days, reason, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, userID, n.Year, d.RatString(), reason, db.T(now), actorID(a)).Scan(&id); err != nil {
			return nil, fmt.Errorf("absence: add leave adjustment: %w", err)
		}
		return []audit.Event{{Action: "absence.adjustment_add", ObjectType: "leave_adjustment", ObjectID: itoa(id),
			Detail: map[string]any{"user_id": userID, "year": n.Year, "days": decimal(d)}}}, nil
	})
	if err != nil {
		return LeaveAdjustment{}, err
	}
	adj, err := loadAdjustments(ctx, s.db, userID, n.Year, n.Year)
	if err != nil {
		return LeaveAdjustment{}, err
	}
	for _, x := range adj {
		if x.ID == id {
			return x, nil
		}
	}
	return LeaveAdjustment{}, errNotFound
}

// loadAdjustments returns userID's adjustments of the years from to to, in
// the order they were made.
func loadAdjustments(ctx context.Context, q db.Querier, userID int64, from, to int) ([]LeaveAdjustment, error) {
	out, err := db.Query(ctx, q, func(row db.Scanner) (LeaveAdjustment, error) {
		var x LeaveAdjustment
		var days string
		var created db.Time
		var by sql.NullInt64
		if err := row.Scan(&x.ID, &x.UserID, &x.Year, &days, &x.Reason, &created, &by); err != nil {
			return x, err
		}
		d, ok := new(big.Rat).SetString(days)
		if !ok {
			return x, fmt.Errorf("leave adjustment %d: days %q", x.ID, days)
		}
		x.Days, x.CreatedAt, x.CreatedBy = d, created.Time, by.Int64
		return x, nil
	}, "SELECT id, user_id, year, days, reason, created_at, created_by FROM leave_adjustments WHERE user_id = ? AND year >= ? AND year <= ? ORDER BY year, created_at, id",
		userID, from, to)
	if err != nil {
		return nil, fmt.Errorf("absence: list leave adjustments: %w", err)
	}
	return out, nil
}

// --- the account --------------------------------------------------------

// leaveAbsence is a vacation absence that counts in the account.
type leaveAbsence struct {
	start, end civil.Date
	dayLength  string
	status     string
}

// modelDays is a work model assignment reduced to what the account needs.
type modelDays struct {
	validFrom civil.Date
	name      string
	days      int // weekdays with a target above 0
}

// yearFigures are the figures of one year before carry-over.
type yearFigures struct {
	year                      int
	daysPerWeek               int
	model                     *modelDays
	ent                       entitlement.Result
	adjustments               []LeaveAdjustment
	adjSum                    *big.Rat
	takenByExpiry, takenAfter *big.Rat
	planned                   *big.Rat
	takenCount, plannedCount  int
	expiry                    civil.Date
}

// LeaveAccount returns userID's leave account of year with the lines that
// explain it. The person, their lead, HR and administrators may read it;
// everyone else gets 404.
func (s *Service) LeaveAccount(ctx context.Context, a actor.Actor, userID int64, year int) (LeaveAccount, error) {
	if userID == 0 {
		userID = a.UserID
	}
	if userID == 0 {
		return LeaveAccount{}, errNotFound
	}
	p, err := s.person(ctx, s.db, userID)
	if err != nil {
		return LeaveAccount{}, err
	}
	if !canView(a, p.id, p.supervisor) {
		return LeaveAccount{}, errNotFound
	}
	if year < entitlement.MinYear || year > entitlement.MaxYear {
		return LeaveAccount{}, errLeaveYear()
	}
	contract, err := loadContract(ctx, s.db, userID)
	if err != nil {
		return LeaveAccount{}, err
	}
	first := year
	if contract != nil && contract.FirstYear < year {
		first = max(contract.FirstYear, entitlement.MinYear)
	}
	models, err := loadModelDays(ctx, s.db, userID)
	if err != nil {
		return LeaveAccount{}, err
	}
	leave, err := loadLeave(ctx, s.db, userID, civil.D(first, time.January, 1), civil.D(year, time.December, 31))
	if err != nil {
		return LeaveAccount{}, err
	}
	adjustments, err := loadAdjustments(ctx, s.db, userID, first, year)
	if err != nil {
		return LeaveAccount{}, err
	}
	// Walk the years of the account up to the one asked for: each year's
	// remaining days at its end are the next year's carry-over.
	carry := new(big.Rat)
	var fig yearFigures
	for y := first; y <= year; y++ {
		fig, err = s.yearFigures(ctx, p, contract, models, leave, adjustments, y)
		if err != nil {
			return LeaveAccount{}, err
		}
		if y < year {
			_, _, remaining := fig.settle(carry, true)
			carry = remaining
		}
	}
	today := s.Today()
	acc := LeaveAccount{UserID: userID, UserName: p.name, Year: year, Contract: contract, DaysPerWeek: fig.daysPerWeek,
		Entitlement: fig.ent, CarryOver: carry, CarryOverExpires: fig.expiry, Adjustments: fig.adjustments,
		AdjustmentDays: fig.adjSum, Taken: new(big.Rat).Add(fig.takenByExpiry, fig.takenAfter), Planned: fig.planned,
		CanManage: canManageLeave(a, p.id, p.supervisor) == nil}
	expired, _, remaining := fig.settle(carry, today.After(fig.expiry))
	acc.CarryOverExpired, acc.Remaining = expired, remaining
	acc.RemainingAfterPlanned = new(big.Rat).Sub(remaining, fig.planned)
	acc.Lines = accountLines(acc, fig, first, today, s.wt.Location())
	return acc, nil
}

// settle returns, for carry-over carry into the year, the part of it that
// lapsed (only once expired is true), the part used, and the remaining
// days: entitlement + carry-over − lapsed + adjustments − taken. Leave
// taken up to the expiry day uses the carry-over first; a negative
// carry-over (leave overdrawn the year before) does not lapse.
func (f yearFigures) settle(carry *big.Rat, expired bool) (lapsed, used, remaining *big.Rat) {
	lapsed, used = new(big.Rat), new(big.Rat)
	if carry.Sign() > 0 {
		used.Set(minRat(carry, f.takenByExpiry))
		if expired {
			lapsed.Sub(carry, used)
		}
	}
	remaining = new(big.Rat).Add(f.ent.Days, carry)
	remaining.Sub(remaining, lapsed)
	remaining.Add(remaining, f.adjSum)
	remaining.Sub(remaining, f.takenByExpiry)
	remaining.Sub(remaining, f.takenAfter)
	return lapsed, used, remaining
}

func minRat(a, b *big.Rat) *big.Rat {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

// yearFigures computes the entitlement, adjustments and leave of year.
func (s *Service) yearFigures(ctx context.Context, p person, contract *LeaveContract, models []modelDays, leave []leaveAbsence, adjustments []LeaveAdjustment, year int) (yearFigures, error) {
	jan1, dec31 := civil.D(year, time.January, 1), civil.D(year, time.December, 31)
	f := yearFigures{year: year, adjSum: new(big.Rat), takenByExpiry: new(big.Rat), takenAfter: new(big.Rat), planned: new(big.Rat),
		expiry: s.expiry(year)}
	in := entitlement.Input{Year: year}
	if contract != nil {
		in.AnnualDays, in.Start, in.End = contract.AnnualDays, contract.EmploymentStart, contract.EmploymentEnd
	}
	ref := jan1
	if !in.Start.IsZero() && in.Start.After(ref) && !in.Start.After(dec31) {
		ref = in.Start
	}
	f.model = modelFor(models, ref, dec31)
	f.daysPerWeek = defaultDaysPerWeek
	if f.model != nil {
		f.daysPerWeek = min(max(f.model.days, 1), 6)
	}
	in.DaysPerWeek = f.daysPerWeek
	ent, err := entitlement.Compute(in)
	if err != nil {
		return f, fmt.Errorf("absence: entitlement %d: %w", year, err)
	}
	f.ent = ent
	for _, x := range adjustments {
		if x.Year == year {
			f.adjustments = append(f.adjustments, x)
			f.adjSum.Add(f.adjSum, x.Days)
		}
	}
	var targets map[civil.Date]int
	for _, l := range leave {
		if l.end.Before(jan1) || l.start.After(dec31) {
			continue
		}
		if targets == nil {
			if targets, err = s.wt.TargetMinutes(ctx, p.id, p.state, jan1, dec31); err != nil {
				return f, err
			}
		}
		from, to := l.start, l.end
		if from.Before(jan1) {
			from = jan1
		}
		if to.After(dec31) {
			to = dec31
		}
		var byExpiry, after float64
		if !from.After(f.expiry) {
			byExpiry = workingDays(targets, from, minDate(to, f.expiry), l.dayLength)
		}
		if to.After(f.expiry) {
			after = workingDays(targets, maxDate(from, f.expiry.AddDays(1)), to, l.dayLength)
		}
		switch l.status {
		case StatusApproved:
			f.takenByExpiry.Add(f.takenByExpiry, ratOf(byExpiry))
			f.takenAfter.Add(f.takenAfter, ratOf(after))
			f.takenCount++
		case StatusRequested:
			f.planned.Add(f.planned, ratOf(byExpiry+after))
			f.plannedCount++
		}
	}
	return f, nil
}

func minDate(a, b civil.Date) civil.Date {
	if a.Before(b) {
		return a
	}
	return b
}

func maxDate(a, b civil.Date) civil.Date {
	if a.After(b) {
		return a
	}
	return b
}

// ratOf converts a number of working days (a multiple of one half) exactly.
func ratOf(f float64) *big.Rat {
	return big.NewRat(int64(f*2+0.5), 2)
}

// modelFor returns the work model valid on ref, or else the first one
// assigned after ref up to last; nil when there is none.
func modelFor(models []modelDays, ref, last civil.Date) *modelDays {
	var found *modelDays
	for i := range models {
		m := &models[i]
		if !m.validFrom.After(ref) {
			found = m
			continue
		}
		if found == nil && !m.validFrom.After(last) {
			return m
		}
		break
	}
	return found
}

// loadModelDays reads userID's work model assignments by valid_from.
func loadModelDays(ctx context.Context, q db.Querier, userID int64) ([]modelDays, error) {
	out, err := db.Query(ctx, q, func(row db.Scanner) (modelDays, error) {
		var m modelDays
		var from string
		var mins [7]int
		if err := row.Scan(&from, &m.name, &mins[0], &mins[1], &mins[2], &mins[3], &mins[4], &mins[5], &mins[6]); err != nil {
			return m, err
		}
		d, err := civil.Parse(from)
		if err != nil {
			return m, err
		}
		m.validFrom = d
		for _, v := range mins {
			if v > 0 {
				m.days++
			}
		}
		return m, nil
	}, `SELECT a.valid_from, m.name, m.mon_minutes, m.tue_minutes, m.wed_minutes, m.thu_minutes, m.fri_minutes, m.sat_minutes, m.sun_minutes
		FROM user_work_models a JOIN work_models m ON m.id = a.work_model_id WHERE a.user_id = ? ORDER BY a.valid_from`, userID)
	if err != nil {
		return nil, fmt.Errorf("absence: work models for leave: %w", err)
	}
	return out, nil
}

// loadLeave reads userID's requested and approved vacation overlapping
// [from, to].
func loadLeave(ctx context.Context, q db.Querier, userID int64, from, to civil.Date) ([]leaveAbsence, error) {
	out, err := db.Query(ctx, q, func(row db.Scanner) (leaveAbsence, error) {
		var l leaveAbsence
		var start, end string
		if err := row.Scan(&start, &end, &l.dayLength, &l.status); err != nil {
			return l, err
		}
		var err error
		if l.start, err = civil.Parse(start); err != nil {
			return l, err
		}
		l.end, err = civil.Parse(end)
		return l, err
	}, "SELECT start_date, end_date, day_length, status FROM absences WHERE user_id = ? AND type_id = ? AND status IN (?, ?) AND start_date <= ? AND end_date >= ? ORDER BY start_date, id",
		userID, vacationType, StatusRequested, StatusApproved, to.String(), from.String())
	if err != nil {
		return nil, fmt.Errorf("absence: leave of the account: %w", err)
	}
	return out, nil
}

// decimal formats an amount with up to four decimals, without trailing
// zeros ("2.5", "3.3333", "-1").
func decimal(d *big.Rat) string {
	s := d.FloatString(4)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// Decimal formats an amount of days as the account lines do.
func Decimal(d *big.Rat) string { return decimal(d) }

func neg(d *big.Rat) *big.Rat { return new(big.Rat).Neg(d) }

// accountLines explains acc.
func accountLines(acc LeaveAccount, f yearFigures, first int, today civil.Date, loc *time.Location) []AccountLine {
	var out []AccountLine
	add := func(code string, days *big.Rat, text string, args ...any) {
		out = append(out, AccountLine{Code: code, Days: days, Args: args, Text: text})
	}
	if f.model != nil {
		add(LineDaysPerWeek, nil, fmt.Sprintf("The work model %q (valid from %s) has %d working days a week; the entitlement is converted to %d days a week.",
			f.model.name, f.model.validFrom, f.model.days, f.daysPerWeek),
			f.daysPerWeek, f.model.name, f.model.validFrom, f.model.days)
	} else {
		add(LineDaysPerWeekAssumed, nil, fmt.Sprintf("No work model is assigned in %d: a five-day week is assumed.", acc.Year), acc.Year)
	}
	if acc.Contract == nil {
		add(LineNoContract, nil, "HR has not recorded contract data: only the statutory minimum applies, for a person employed beyond the year.")
	}
	if f.ent.FullMonths == 0 && f.ent.EmployedFrom.IsZero() {
		add(LineNotEmployed, nil, fmt.Sprintf("Not employed in %d.", acc.Year), acc.Year)
	}
	annual := 0
	if acc.Contract != nil {
		annual = acc.Contract.AnnualDays
	}
	add(LineEntitlement, f.ent.Days, fmt.Sprintf("Entitlement %d: %s days (contract %d days for a five-day week, %d days a week; see the steps of the calculation).",
		acc.Year, decimal(f.ent.Days), annual, f.daysPerWeek), acc.Year, f.ent.Days, annual, f.daysPerWeek)
	prev := acc.Year - 1
	if acc.Year <= first {
		start := acc.Year
		if acc.Contract != nil && acc.Contract.FirstYear > start {
			start = acc.Contract.FirstYear
		}
		add(LineCarryOverNotDerived, nil, fmt.Sprintf("The account is kept from %d: no carry-over from %d is derived (a balance from earlier records is entered as an adjustment).", start, acc.Year-1), start, prev)
	} else {
		exp := f.expiry
		add(LineCarryOver, acc.CarryOver, fmt.Sprintf("Remaining leave of %d carried over: %s days, to be taken by %s (§ 7(3) BUrlG).", acc.Year-1, decimal(acc.CarryOver), exp),
			prev, acc.CarryOver, exp)
		if acc.CarryOver.Sign() > 0 {
			_, used, _ := f.settle(acc.CarryOver, true)
			if today.After(f.expiry) {
				if acc.CarryOverExpired.Sign() > 0 {
					add(LineCarryOverExpired, neg(acc.CarryOverExpired), fmt.Sprintf("Of the %s days carried over, %s were taken by %s; the other %s days lapsed.",
						acc.CarryOver, used, exp, acc.CarryOverExpired),
						acc.CarryOver, used, exp, acc.CarryOverExpired)
				}
			} else {
				open := new(big.Rat).Sub(acc.CarryOver, used)
				add(LineCarryOverExpires, nil, fmt.Sprintf("Leave taken up to %s uses the carry-over first; %s days of it are not yet used and lapse after %s.",
					exp, decimal(open), exp), exp, open)
			}
		}
	}
	for _, x := range f.adjustments {
		add(LineAdjustment, x.Days, fmt.Sprintf("Adjustment of %s days: %s", decimal(x.Days), x.Reason), x.Days, x.Reason, civil.In(x.CreatedAt, loc))
	}
	add(LineTaken, neg(acc.Taken), fmt.Sprintf("%s working days of approved leave in %d (%d absences).", decimal(acc.Taken), acc.Year, f.takenCount),
		acc.Taken, acc.Year, f.takenCount)
	out = append(out, AccountLine{Code: LineRemaining, Days: acc.Remaining, Total: true, Args: []any{acc.Remaining},
		Text: fmt.Sprintf("Remaining leave: %s days.", decimal(acc.Remaining))})
	if f.plannedCount > 0 {
		add(LinePlanned, neg(acc.Planned), fmt.Sprintf("%s working days requested and not yet decided (%d requests).", decimal(acc.Planned), f.plannedCount),
			acc.Planned, f.plannedCount)
		out = append(out, AccountLine{Code: LineRemainingAfterPlanned, Days: acc.RemainingAfterPlanned, Total: true, Args: []any{acc.RemainingAfterPlanned},
			Text: fmt.Sprintf("Remaining leave if all requests are approved: %s days.", decimal(acc.RemainingAfterPlanned))})
	}
	return out
}

// LeaveAccountPerson names a person whose leave account the actor may read.
type LeaveAccountPerson struct {
	ID   int64
	Name string
}

// LeaveAccountPeople lists the people whose leave accounts a may read, by
// name: everyone for HR and administrators, the lead and the people they
// lead for a lead, else only the actor.
func (s *Service) LeaveAccountPeople(ctx context.Context, a actor.Actor) ([]LeaveAccountPerson, error) {
	query, args := "SELECT id, display_name FROM users", []any{}
	switch {
	case isHR(a):
	case !a.Authenticated():
		return nil, errNotFound
	case a.Has(actor.RoleLead):
		query, args = query+" WHERE id = ? OR supervisor_id = ?", []any{a.UserID, a.UserID}
	default:
		query, args = query+" WHERE id = ?", []any{a.UserID}
	}
	out, err := db.Query(ctx, s.db, func(row db.Scanner) (LeaveAccountPerson, error) {
		var p LeaveAccountPerson
		err := row.Scan(&p.ID, &p.Name)
		return p, err
	}, query+" ORDER BY display_name, id LIMIT 5000", args...)
	if err != nil {
		return nil, fmt.Errorf("absence: leave account people: %w", err)
	}
	return out, nil
}
