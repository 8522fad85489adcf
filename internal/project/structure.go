package project

import (
	"context"

	"ortlos/internal/actor"
)

// Structure is what pages offer around a project's tasks: its members,
// board columns, milestones and labels.
type Structure struct {
	Members    []Member
	Columns    []BoardColumn
	Milestones []Milestone
	Labels     []Label
}

// Structure returns the structure of project id with one access check
// (404 when a does not see the project).
func (s *Service) Structure(ctx context.Context, a actor.Actor, id int64) (Structure, error) {
	if _, err := s.access(ctx, s.db, a, id); err != nil {
		return Structure{}, err
	}
	var st Structure
	var err error
	if st.Members, err = members(ctx, s.db, id); err != nil {
		return Structure{}, err
	}
	if st.Columns, err = columns(ctx, s.db, id); err != nil {
		return Structure{}, err
	}
	if st.Milestones, err = milestones(ctx, s.db, id); err != nil {
		return Structure{}, err
	}
	if st.Labels, err = labels(ctx, s.db, id); err != nil {
		return Structure{}, err
	}
	return st, nil
}
