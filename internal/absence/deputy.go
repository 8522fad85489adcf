package absence

// What the pages need around the lead's deputy (SetDeputy, GetDeputy in
// absence.go): the people a lead may pick, the leads HR may pick, and
// whether someone has anything to do on the approvals page.

import (
	"context"
	"fmt"
	"strconv"

	"ortlos/internal/actor"
	"ortlos/internal/db"
)

// DeputyChoices returns the people the deputy form offers for leadID: the
// lead's colleagues as in Colleagues (same org unit, same supervisor, the
// supervisor, the lead's reports). The lead themselves, HR and
// administrators may ask; 404 for everyone else. The API accepts any
// existing person (setLeadDeputy).
func (s *Service) DeputyChoices(ctx context.Context, a actor.Actor, leadID int64) ([]Colleague, error) {
	if !canManageDeputy(a, leadID) {
		return nil, errNotFound
	}
	return s.colleaguesOf(ctx, leadID)
}

// Leads returns the enabled people holding the lead role, by name (at most
// maxColleagues): HR and administrators pick from them whose deputy to
// set; 404 for everyone else.
func (s *Service) Leads(ctx context.Context, a actor.Actor) ([]Colleague, error) {
	if !isHR(a) {
		return nil, errNotFound
	}
	out, err := db.Query(ctx, s.db, func(row db.Scanner) (Colleague, error) {
		var c Colleague
		err := row.Scan(&c.ID, &c.Name)
		return c, err
	}, `SELECT u.id, u.display_name FROM users u WHERE u.disabled = ?
		AND EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role_id = ?)
		ORDER BY u.display_name, u.id LIMIT `+strconv.Itoa(maxColleagues), false, actor.RoleLead)
	if err != nil {
		return nil, fmt.Errorf("absence: leads: %w", err)
	}
	return out, nil
}

// SeesApprovals reports whether the approvals page has something for a:
// leads, HR and administrators always (CanDecide); anyone else while they
// are the acting deputy of a lead who is away today, or the named
// substitute of a request waiting for their confirmation. It costs one
// query on indexed columns (absences_substitute, lead_deputies_deputy),
// cheap enough for the navigation of every page.
func (s *Service) SeesApprovals(ctx context.Context, a actor.Actor) (bool, error) {
	if CanDecide(a) {
		return true, nil
	}
	if !a.Authenticated() {
		return false, nil
	}
	today := s.Today().String()
	var ok bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM absences WHERE substitute_id = ? AND status = ? AND substitute_confirmed_at IS NULL)
		OR EXISTS (SELECT 1 FROM lead_deputies d WHERE d.deputy_id = ? AND `+awayPredicate+`)`,
		a.UserID, StatusRequested, a.UserID, actor.RoleLead, StatusApproved, today, today).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("absence: sees approvals: %w", err)
	}
	return ok, nil
}

// CanManageDeputies reports whether a names deputies at all (for the
// navigation and links): leads their own, HR and administrators anyone's.
func CanManageDeputies(a actor.Actor) bool {
	return isHR(a) || (a.Authenticated() && a.Has(actor.RoleLead))
}
