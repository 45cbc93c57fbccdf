package notify

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/models"
)

// fakeStore is an in-memory outbox (a unit-test double of models.Store).
type fakeStore struct {
	rows []models.Notification
	// stolen rows are claimed by another worker between the read and the claim.
	stolen map[string]bool
}

func (f *fakeStore) UnsentNotifications(_ context.Context, limit int) ([]models.Notification, error) {
	var out []models.Notification
	for _, r := range f.rows {
		if r.SentAt == nil && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeStore) MarkNotificationSent(_ context.Context, id string, at time.Time) (bool, error) {
	if f.stolen[id] {
		return false, nil
	}
	for i := range f.rows {
		if f.rows[i].ID == id && f.rows[i].SentAt == nil {
			f.rows[i].SentAt = &at
			return true, nil
		}
	}
	return false, nil
}

type recorder struct {
	sent []string
	fail error
}

func (r *recorder) Send(_ context.Context, n models.Notification) error {
	r.sent = append(r.sent, n.ID)
	return r.fail
}

func TestDeliver_SendsEachUnsentRowOnceAndMarksIt(t *testing.T) {
	st := &fakeStore{rows: []models.Notification{{ID: "ntf_1"}, {ID: "ntf_2"}, {ID: "ntf_3"}}, stolen: map[string]bool{"ntf_2": true}}
	rec := &recorder{}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	n, err := Deliver(context.Background(), st, rec, func() time.Time { return now })
	if err != nil || n != 2 {
		t.Fatalf("delivered %d, %v", n, err)
	}
	if len(rec.sent) != 2 || rec.sent[0] != "ntf_1" || rec.sent[1] != "ntf_3" {
		t.Fatalf("sent %v: a row another worker claimed must not be sent again", rec.sent)
	}
	if st.rows[0].SentAt == nil || !st.rows[0].SentAt.Equal(now) {
		t.Fatalf("row not marked: %+v", st.rows[0])
	}
	if n, _ := Deliver(context.Background(), st, rec, time.Now); n != 0 || len(rec.sent) != 2 {
		t.Fatalf("a second pass sent %d more", n)
	}
}

func TestDeliver_StopsAtASendFailure(t *testing.T) {
	st := &fakeStore{rows: []models.Notification{{ID: "ntf_1"}, {ID: "ntf_2"}}}
	rec := &recorder{fail: errors.New("smtp down")}
	if _, err := Deliver(context.Background(), st, rec, time.Now); err == nil {
		t.Fatal("a failed send was not reported")
	}
	if len(rec.sent) != 1 {
		t.Fatalf("kept sending after a failure: %v", rec.sent)
	}
}

func TestLog_SendNeverFails(t *testing.T) {
	if err := (Log{}).Send(context.Background(), models.Notification{ID: "ntf_1", Subject: "hi"}); err != nil {
		t.Fatal(err)
	}
}
