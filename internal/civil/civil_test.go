package civil

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDateArithmetic(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"normalise", D(2026, 2, 30), Date{2026, 3, 2}},
		{"add across year", D(2026, 12, 31).AddDays(1), Date{2027, 1, 1}},
		{"subtract", D(2024, 3, 1).AddDays(-1), Date{2024, 2, 29}},
		{"weekday", D(2026, 11, 22).Weekday(), time.Sunday},
		{"days until across DST", D(2026, 3, 28).DaysUntil(D(2026, 3, 30)), 2},
		{"in zone", In(time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC), berlin), Date{2026, 3, 29}},
		{"start of 23h day", D(2026, 3, 29).AddDays(1).Start(berlin).Sub(D(2026, 3, 29).Start(berlin)), 23 * time.Hour},
		{"start of 25h day", D(2026, 10, 25).AddDays(1).Start(berlin).Sub(D(2026, 10, 25).Start(berlin)), 25 * time.Hour},
		{"compare", D(2026, 1, 2).Compare(D(2025, 12, 31)), 1},
		{"string", D(987, 1, 2).String(), "0987-01-02"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestDateJSON(t *testing.T) {
	b, err := json.Marshal(struct{ D Date }{D(2026, 5, 8)})
	if err != nil || string(b) != `{"D":"2026-05-08"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var v struct{ D Date }
	if err := json.Unmarshal([]byte(`{"D":"2025-05-08"}`), &v); err != nil || v.D != D(2025, 5, 8) {
		t.Fatalf("Unmarshal = %v, %v", v.D, err)
	}
	if err := json.Unmarshal([]byte(`{"D":"8.5.2025"}`), &v); err == nil {
		t.Fatal("Unmarshal accepted a German date")
	}
}
