package worktimeweb

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/web"
	"ortlos/internal/worktime"
)

// registerSignoff adds the monthly sign-off: the employee confirms, the
// lead countersigns (closing the flexitime month), and a month can be
// returned or reopened with a reason.
func (h *Handler) registerSignoff() {
	s := h.srv
	s.API("POST", "/worktime/months/{month}/sign", "signWorktimeMonth", web.Full, h.apiSign)
	s.API("POST", "/users/{id}/worktime/months/{month}/countersign", "countersignWorktimeMonth", web.Full, h.apiCountersign)
	s.API("POST", "/users/{id}/worktime/months/{month}/reopen", "reopenWorktimeMonth", web.Full, h.apiReopen)
	s.UI("POST /worktime/month/sign", web.Full, h.uiSign)
	s.UI("POST /worktime/month/countersign", web.Full, h.uiCountersign)
	s.UI("POST /worktime/month/reopen", web.Full, h.uiReopen)
}

func pathMonth(r *http.Request) (worktime.YearMonth, error) {
	m, err := worktime.ParseYearMonth(r.PathValue("month"))
	if err != nil {
		// A malformed month in the path names no resource.
		return worktime.YearMonth{}, apperr.NotFoundf("not_found", "not found")
	}
	return m, nil
}

func (h *Handler) apiSign(w http.ResponseWriter, r *http.Request) {
	m, err := pathMonth(r)
	if err == nil {
		var st worktime.MonthStatus
		if st, err = h.svc.SignMonth(r.Context(), web.Actor(r), m); err == nil {
			web.JSON(w, http.StatusOK, newAPIMonthStatus(st))
			return
		}
	}
	h.srv.Error(w, r, err)
}

func (h *Handler) apiCountersign(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	var m worktime.YearMonth
	if err == nil {
		m, err = pathMonth(r)
	}
	if err == nil {
		var st worktime.MonthStatus
		if st, err = h.svc.CountersignMonth(r.Context(), web.Actor(r), id, m); err == nil {
			web.JSON(w, http.StatusOK, newAPIMonthStatus(st))
			return
		}
	}
	h.srv.Error(w, r, err)
}

type reopenRequest struct {
	Reason string `json:"reason"`
}

func (h *Handler) apiReopen(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	var m worktime.YearMonth
	if err == nil {
		m, err = pathMonth(r)
	}
	var req reopenRequest
	if err == nil {
		err = web.DecodeJSON(r, &req)
	}
	if err == nil {
		var st worktime.MonthStatus
		if st, err = h.svc.ReopenMonth(r.Context(), web.Actor(r), id, m, req.Reason); err == nil {
			web.JSON(w, http.StatusOK, newAPIMonthStatus(st))
			return
		}
	}
	h.srv.Error(w, r, err)
}

// formMonth reads user_id (0: the caller), year and month of a sign-off
// form.
func formMonth(r *http.Request) (int64, worktime.YearMonth, error) {
	var userID int64
	if s := r.PostFormValue("user_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, worktime.YearMonth{}, apperr.NotFoundf("not_found", "not found")
		}
		userID = n
	}
	y, err1 := strconv.Atoi(r.PostFormValue("year"))
	mo, err2 := strconv.Atoi(r.PostFormValue("month"))
	if err1 != nil || err2 != nil || mo < 1 || mo > 12 || y < 1000 || y > 9999 {
		return 0, worktime.YearMonth{}, apperr.Invalidf("invalid_month", "month must look like 2026-10").WithField("month", "invalid_month")
	}
	return userID, worktime.YearMonth{Year: y, Month: time.Month(mo)}, nil
}

// signoffDone returns to the month page, with a flash on success and the
// page with the error otherwise.
func (h *Handler) signoffDone(w http.ResponseWriter, r *http.Request, userID int64, m worktime.YearMonth, err error, flash string) {
	if err != nil && m.Year != 0 && (apperr.KindOf(err) == apperr.Invalid || apperr.KindOf(err) == apperr.Conflict || apperr.KindOf(err) == apperr.Forbidden) {
		h.renderMonth(w, r, userID, m, err)
		return
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, monthPageURL(userID, m.Year, m.Month), flash)
}

func monthPageURL(userID int64, year int, month time.Month) string {
	u := fmt.Sprintf("/worktime/month?year=%d&month=%d", year, int(month))
	if userID != 0 {
		u += "&user_id=" + strconv.FormatInt(userID, 10)
	}
	return u
}

func (h *Handler) uiSign(w http.ResponseWriter, r *http.Request) {
	_, m, err := formMonth(r)
	if err == nil {
		_, err = h.svc.SignMonth(r.Context(), web.Actor(r), m)
	}
	h.signoffDone(w, r, 0, m, err, "month_signed")
}

func (h *Handler) uiCountersign(w http.ResponseWriter, r *http.Request) {
	id, m, err := formMonth(r)
	if err == nil {
		_, err = h.svc.CountersignMonth(r.Context(), web.Actor(r), id, m)
	}
	h.signoffDone(w, r, id, m, err, "month_countersigned")
}

func (h *Handler) uiReopen(w http.ResponseWriter, r *http.Request) {
	id, m, err := formMonth(r)
	if err == nil {
		_, err = h.svc.ReopenMonth(r.Context(), web.Actor(r), id, m, r.PostFormValue("reason"))
	}
	h.signoffDone(w, r, id, m, err, "month_reopened")
}
