// Package notify delivers the notifications outbox (models.Notification rows
// written in the transactions of the events they report). A Notifier sends
// one message; the dev Notifier logs it. Deliver marks each row sent once.
package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/cmp-platform/cmp/models"
)

// Notifier sends one notification (by email, chat, ...).
type Notifier interface {
	Send(ctx context.Context, n models.Notification) error
}

// Log is the development Notifier: it writes each message to the log.
type Log struct {
	Logger *slog.Logger
}

// Send implements Notifier.
func (l Log) Send(ctx context.Context, n models.Notification) error {
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "notification", "id", n.ID, "provider", n.ProviderID, "kind", n.Kind, "to", n.Email, "subject", n.Subject)
	return nil
}

// Store is what delivery needs from the database.
type Store interface {
	UnsentNotifications(ctx context.Context, limit int) ([]models.Notification, error)
	MarkNotificationSent(ctx context.Context, id string, at time.Time) (bool, error)
}

// batch bounds one Deliver pass.
const batch = 100

// Deliver sends up to one batch of unsent rows and marks each sent. A row is
// claimed (marked) before it is sent, so two workers never both send it: a
// crash between the two loses that one message rather than repeating it.
func Deliver(ctx context.Context, st Store, n Notifier, now func() time.Time) (int, error) {
	rows, err := st.UnsentNotifications(ctx, batch)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, r := range rows {
		claimed, err := st.MarkNotificationSent(ctx, r.ID, now())
		if err != nil {
			return sent, err
		}
		if !claimed {
			continue
		}
		if err := n.Send(ctx, r); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// Run delivers every interval until ctx ends; errors are logged and retried
// on the next tick.
func Run(ctx context.Context, st Store, n Notifier, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := Deliver(ctx, st, n, time.Now); err != nil && ctx.Err() == nil {
			log.Warn("notification delivery failed; retrying on the next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
