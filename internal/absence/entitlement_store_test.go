package absence_test

import (
	"context"
	"math/big"
	"slices"
	"testing"
	"time"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

func lineCodes(acc absence.LeaveAccount) []string {
	var out []string
	for _, l := range acc.Lines {
		out = append(out, l.Code)
	}
	return out
}

func line(t *testing.T, acc absence.LeaveAccount, code string) absence.AccountLine {
	t.Helper()
	for _, l := range acc.Lines {
		if l.Code == code {
			return l
		}
	}
	t.Fatalf("no line %q in %v", code, lineCodes(acc))
	return absence.AccountLine{}
}

func wantDays(t *testing.T, what string, got *big.Rat, want string) {
	t.Helper()
	w, ok := new(big.Rat).SetString(want)
	if !ok {
		t.Fatalf("bad want %q", want)
	}
	if got == nil || got.Cmp(w) != 0 {
		t.Errorf("%s = %v; want %s", what, got, want)
	}
}

// record enters approved annual leave for userID (HR records directly).
func (f fixture) record(t *testing.T, userID int64, from, to civil.Date) {
	t.Helper()
	a, err := f.svc.Request(context.Background(), f.hr, absence.NewAbsence{UserID: userID, TypeID: "vacation", Start: from, End: to})
	if err != nil {
		t.Fatalf("record leave %s–%s: %v", from, to, err)
	}
	if a.Status != absence.StatusApproved {
		t.Fatalf("recorded leave is %s", a.Status)
	}
}

func (f fixture) contract(t *testing.T, userID int64, in absence.LeaveContractInput) absence.LeaveContract {
	t.Helper()
	c, err := f.svc.SetLeaveContract(context.Background(), f.hr, userID, in)
	if err != nil {
		t.Fatalf("set contract: %v", err)
	}
	return c
}

func TestLeaveAccountFullYear(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		// Without contract data: the statutory minimum.
		acc, err := f.svc.LeaveAccount(ctx, f.emp, 0, 2026)
		if err != nil {
			t.Fatal(err)
		}
		wantDays(t, "statutory entitlement", acc.Entitlement.Days, "20")
		if acc.Contract != nil || !slices.Contains(lineCodes(acc), absence.LineNoContract) {
			t.Errorf("no contract: lines %v", lineCodes(acc))
		}

		c := f.contract(t, f.emp.UserID, absence.LeaveContractInput{AnnualDays: 30})
		if c.FirstYear != 2026 || c.AnnualDays != 30 || c.UpdatedBy != f.hr.UserID {
			t.Errorf("contract = %+v", c)
		}
		if n := auditCount(t, d, "absence.contract_set"); n != 1 {
			t.Errorf("absence.contract_set audited %d times", n)
		}
		// Easter: 8 working days approved; a week in May requested.
		req, err := f.svc.Request(ctx, f.emp, easter)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, f.lead, req.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 5, 11), End: civil.D(2026, 5, 13)}); err != nil {
			t.Fatal(err)
		}
		// Other types do not count.
		if _, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 3), End: civil.D(2026, 3, 3)}); err != nil {
			t.Fatal(err)
		}
		acc, err = f.svc.LeaveAccount(ctx, f.emp, f.emp.UserID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if acc.DaysPerWeek != 5 || acc.CanManage {
			t.Errorf("days per week %d, can manage %v", acc.DaysPerWeek, acc.CanManage)
		}
		wantDays(t, "entitlement", acc.Entitlement.Days, "30")
		wantDays(t, "carry-over", acc.CarryOver, "0")
		wantDays(t, "taken", acc.Taken, "8")
		wantDays(t, "planned", acc.Planned, "3")
		wantDays(t, "remaining", acc.Remaining, "22")
		wantDays(t, "remaining after planned", acc.RemainingAfterPlanned, "19")
		want := []string{absence.LineDaysPerWeek, absence.LineEntitlement, absence.LineCarryOverNotDerived, absence.LineTaken,
			absence.LineRemaining, absence.LinePlanned, absence.LineRemainingAfterPlanned}
		if got := lineCodes(acc); !slices.Equal(got, want) {
			t.Errorf("lines = %v; want %v", got, want)
		}
		if l := line(t, acc, absence.LineTaken); l.Text == "" || l.Days.Cmp(big.NewRat(-8, 1)) != 0 {
			t.Errorf("taken line = %+v", l)
		}
		if len(acc.Entitlement.Steps) == 0 {
			t.Error("no calculation steps")
		}
	})
}

func TestLeaveAccountJoiner(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		// Joins on 1 August 2026: 5 full months, 30 × 5/12 = 12.5, rounded
		// up to 13 (§ 5(2) BUrlG applied to the contractual part).
		f.contract(t, f.emp.UserID, absence.LeaveContractInput{AnnualDays: 30, EmploymentStart: civil.D(2026, 8, 1)})
		acc, err := f.svc.LeaveAccount(ctx, f.hr, f.emp.UserID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		wantDays(t, "joiner's entitlement", acc.Entitlement.Days, "13")
		if !acc.CanManage || acc.Contract.FirstYear != 2026 {
			t.Errorf("can manage %v, contract %+v", acc.CanManage, acc.Contract)
		}
		// A three-day week from 2027 on: 30 × 3/5 = 18, and the unused 13
		// days of 2026 are carried over.
		model, err := f.wt.CreateWorkModel(ctx, actor.CLI(), worktime.NewWorkModel{Name: "Teilzeit", Minutes: [7]int{468, 468, 468}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.wt.AssignWorkModel(ctx, actor.CLI(), f.emp.UserID, model.ID, civil.D(2027, 1, 1)); err != nil {
			t.Fatal(err)
		}
		acc, err = f.svc.LeaveAccount(ctx, f.hr, f.emp.UserID, 2027)
		if err != nil {
			t.Fatal(err)
		}
		if acc.DaysPerWeek != 3 {
			t.Errorf("days per week = %d; want 3", acc.DaysPerWeek)
		}
		wantDays(t, "part-time entitlement", acc.Entitlement.Days, "18")
		wantDays(t, "carry-over", acc.CarryOver, "13")
		wantDays(t, "remaining", acc.Remaining, "31")
		// Before the start: not employed.
		acc, err = f.svc.LeaveAccount(ctx, f.hr, f.emp.UserID, 2025)
		if err != nil {
			t.Fatal(err)
		}
		wantDays(t, "entitlement before joining", acc.Entitlement.Days, "0")
		if !slices.Contains(lineCodes(acc), absence.LineNotEmployed) {
			t.Errorf("lines before joining = %v", lineCodes(acc))
		}
	})
}

// TestLeaveAccountCarryOverExpirySetting: with the expiry set to 30 April
// (e.g. a collective agreement), the week in April still uses the
// carry-over.
func TestLeaveAccountCarryOverExpirySetting(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		svc := f.svc.WithCarryOverExpiry(absence.CarryOverExpiry{Month: time.April, Day: 30})
		f.contract(t, f.emp.UserID, absence.LeaveContractInput{AnnualDays: 30, FirstYear: 2026})
		f.record(t, f.emp.UserID, easter.Start, easter.End) // 22 remain of 2026
		f.record(t, f.emp.UserID, civil.D(2027, 3, 1), civil.D(2027, 3, 5))
		f.record(t, f.emp.UserID, civil.D(2027, 4, 12), civil.D(2027, 4, 16))
		f.clock.Set(time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC))
		acc, err := svc.LeaveAccount(ctx, f.emp, 0, 2027)
		if err != nil {
			t.Fatal(err)
		}
		if acc.CarryOverExpires != civil.D(2027, 4, 30) {
			t.Errorf("expires %s, want 2027-04-30", acc.CarryOverExpires)
		}
		// 10 days before 30 April used the carry-over; 12 lapsed; the 30
		// days of 2027 remain.
		wantDays(t, "expired", acc.CarryOverExpired, "12")
		wantDays(t, "remaining", acc.Remaining, "30")
	})
}

func TestLeaveAccountCarryOverExpiry(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.contract(t, f.emp.UserID, absence.LeaveContractInput{AnnualDays: 30, FirstYear: 2026})
		f.record(t, f.emp.UserID, easter.Start, easter.End) // 8 days: 22 remain of 2026
		// 2027: a week before 31 March, a week after.
		f.record(t, f.emp.UserID, civil.D(2027, 3, 1), civil.D(2027, 3, 5))
		f.record(t, f.emp.UserID, civil.D(2027, 4, 12), civil.D(2027, 4, 16))

		f.clock.Set(time.Date(2027, 3, 15, 9, 0, 0, 0, time.UTC))
		acc, err := f.svc.LeaveAccount(ctx, f.emp, 0, 2027)
		if err != nil {
			t.Fatal(err)
		}
		wantDays(t, "carry-over", acc.CarryOver, "22")
		if acc.CarryOverExpires != civil.D(2027, 3, 31) {
			t.Errorf("expires %s", acc.CarryOverExpires)
		}
		wantDays(t, "expired before 31 March", acc.CarryOverExpired, "0")
		wantDays(t, "taken", acc.Taken, "10")
		wantDays(t, "remaining before expiry", acc.Remaining, "42")
		if l := line(t, acc, absence.LineCarryOverExpires); len(l.Args) != 2 || l.Args[1].(*big.Rat).Cmp(big.NewRat(17, 1)) != 0 {
			t.Errorf("expires line = %+v", l)
		}

		f.clock.Set(time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC))
		acc, err = f.svc.LeaveAccount(ctx, f.emp, 0, 2027)
		if err != nil {
			t.Fatal(err)
		}
		// Only the 5 days before 31 March used the carry-over; 17 lapsed.
		wantDays(t, "expired", acc.CarryOverExpired, "17")
		wantDays(t, "remaining after expiry", acc.Remaining, "25")
		if l := line(t, acc, absence.LineCarryOverExpired); l.Days.Cmp(big.NewRat(-17, 1)) != 0 {
			t.Errorf("expired line = %+v", l)
		}
		// The 25 days left at the end of 2027 carry into 2028.
		acc, err = f.svc.LeaveAccount(ctx, f.emp, 0, 2028)
		if err != nil {
			t.Fatal(err)
		}
		wantDays(t, "carry-over into 2028", acc.CarryOver, "25")
		wantDays(t, "remaining 2028", acc.Remaining, "55")

		// Leave before 31 March beyond the carry-over (20 days in
		// February) uses it completely: nothing lapses.
		f.record(t, f.emp.UserID, civil.D(2027, 2, 1), civil.D(2027, 2, 26))
		acc, err = f.svc.LeaveAccount(ctx, f.emp, 0, 2027)
		if err != nil {
			t.Fatal(err)
		}
		wantDays(t, "expired with leave before", acc.CarryOverExpired, "0")
		wantDays(t, "taken", acc.Taken, "30")
		wantDays(t, "remaining", acc.Remaining, "22")
		if slices.Contains(lineCodes(acc), absence.LineCarryOverExpired) {
			t.Errorf("lapsed line although nothing lapsed: %v", lineCodes(acc))
		}
	})
}

func TestLeaveAdjustment(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.contract(t, f.emp.UserID, absence.LeaveContractInput{AnnualDays: 30})
		for _, bad := range []string{"", "0", "abc", "1.234", "400", "1e2"} {
			_, err := f.svc.AddLeaveAdjustment(ctx, f.hr, f.emp.UserID, absence.NewLeaveAdjustment{Year: 2026, Days: bad, Reason: "x"})
			wantCode(t, "days "+bad, err, apperr.Invalid, "invalid_adjustment_days")
		}
		_, err := f.svc.AddLeaveAdjustment(ctx, f.hr, f.emp.UserID, absence.NewLeaveAdjustment{Year: 2026, Days: "1", Reason: "  "})
		wantCode(t, "no reason", err, apperr.Invalid, "reason_required")
		_, err = f.svc.AddLeaveAdjustment(ctx, f.hr, f.emp.UserID, absence.NewLeaveAdjustment{Year: 1990, Days: "1", Reason: "x"})
		wantCode(t, "year", err, apperr.Invalid, "invalid_leave_year")

		x, err := f.svc.AddLeaveAdjustment(ctx, f.hr, f.emp.UserID, absence.NewLeaveAdjustment{Year: 2026, Days: "2,5", Reason: "Resturlaub 2025 laut Personalakte"})
		if err != nil {
			t.Fatal(err)
		}
		wantDays(t, "adjustment", x.Days, "5/2")
		if x.Reason != "Resturlaub 2025 laut Personalakte" || x.CreatedBy != f.hr.UserID {
			t.Errorf("adjustment = %+v", x)
		}
		if _, err := f.svc.AddLeaveAdjustment(ctx, f.hr, f.emp.UserID, absence.NewLeaveAdjustment{Year: 2026, Days: "-1", Reason: "Betriebsausflug"}); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, d, "absence.adjustment_add"); n != 2 {
			t.Errorf("absence.adjustment_add audited %d times", n)
		}
		acc, err := f.svc.LeaveAccount(ctx, f.emp, 0, 2026)
		if err != nil {
			t.Fatal(err)
		}
		wantDays(t, "adjustments", acc.AdjustmentDays, "3/2")
		wantDays(t, "remaining", acc.Remaining, "63/2")
		n := 0
		for _, l := range acc.Lines {
			if l.Code == absence.LineAdjustment {
				n++
			}
		}
		if n != 2 || len(acc.Adjustments) != 2 || acc.Adjustments[0].Reason != "Resturlaub 2025 laut Personalakte" {
			t.Errorf("adjustment lines %d, adjustments %+v", n, acc.Adjustments)
		}
	})
}

func TestLeaveAccountPermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		for _, a := range []actor.Actor{f.emp, f.lead, f.hr, actor.CLI()} {
			if _, err := f.svc.LeaveAccount(ctx, a, f.emp.UserID, 2026); err != nil {
				t.Errorf("%s reads: %v", a.Username, err)
			}
		}
		_, err := f.svc.LeaveAccount(ctx, f.other, f.emp.UserID, 2026)
		wantCode(t, "stranger reads", err, apperr.NotFound, "not_found")
		_, err = f.svc.LeaveAccount(ctx, f.emp, 999999, 2026)
		wantCode(t, "unknown person", err, apperr.NotFound, "not_found")
		_, err = f.svc.LeaveAccount(ctx, f.emp, 0, 1990)
		wantCode(t, "year", err, apperr.Invalid, "invalid_leave_year")

		in := absence.LeaveContractInput{AnnualDays: 30}
		adj := absence.NewLeaveAdjustment{Year: 2026, Days: "1", Reason: "x"}
		for _, c := range []struct {
			name string
			a    actor.Actor
			kind apperr.Kind
			code string
		}{
			{"person", f.emp, apperr.Forbidden, "forbidden"},
			{"lead", f.lead, apperr.Forbidden, "forbidden"},
			{"stranger", f.other, apperr.NotFound, "not_found"},
			{"read-only token", actor.Actor{UserID: f.hr.UserID, Roles: f.hr.Roles, Via: actor.ViaToken, TokenScope: "read"}, apperr.Forbidden, "token_scope"},
		} {
			_, err := f.svc.SetLeaveContract(ctx, c.a, f.emp.UserID, in)
			wantCode(t, c.name+" sets contract", err, c.kind, c.code)
			_, err = f.svc.AddLeaveAdjustment(ctx, c.a, f.emp.UserID, adj)
			wantCode(t, c.name+" adds adjustment", err, c.kind, c.code)
		}
		_, err = f.svc.SetLeaveContract(ctx, f.hr, f.emp.UserID, absence.LeaveContractInput{AnnualDays: 300})
		wantCode(t, "annual days", err, apperr.Invalid, "invalid_annual_days")
		_, err = f.svc.SetLeaveContract(ctx, f.hr, f.emp.UserID, absence.LeaveContractInput{AnnualDays: 30, EmploymentStart: civil.D(2026, 5, 1), EmploymentEnd: civil.D(2026, 4, 30)})
		wantCode(t, "end before start", err, apperr.Invalid, "invalid_range")
		if n := auditCount(t, d, "absence.contract_set") + auditCount(t, d, "absence.adjustment_add"); n != 0 {
			t.Errorf("refused changes audited %d times", n)
		}
		// An update keeps the first year unless given.
		f.contract(t, f.emp.UserID, absence.LeaveContractInput{AnnualDays: 30, FirstYear: 2024})
		if c := f.contract(t, f.emp.UserID, absence.LeaveContractInput{AnnualDays: 28}); c.FirstYear != 2024 || c.AnnualDays != 28 {
			t.Errorf("updated contract = %+v", c)
		}

		people, err := f.svc.LeaveAccountPeople(ctx, f.lead)
		if err != nil || len(people) != 2 {
			t.Errorf("lead's people = %+v, %v", people, err)
		}
		people, err = f.svc.LeaveAccountPeople(ctx, f.emp)
		if err != nil || len(people) != 1 || people[0].ID != f.emp.UserID {
			t.Errorf("employee's people = %+v, %v", people, err)
		}
	})
}
