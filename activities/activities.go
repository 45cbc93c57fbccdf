// Package activities is the only code through which a business process touches the
// outside world: read-model writes, payment calls and Site-Kit calls. Activities are
// methods on Activities, which holds their dependencies; workflows reference them
// through a nil *Activities.
package activities

import (
	"log/slog"
	"time"

	"github.com/cmp-platform/cmp/internal/payments"
	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
)

// Activities holds what the activities need.
type Activities struct {
	Store    *models.Store
	Payments payments.Provider
	SiteKit  *sitekit.Client
	// PublicURL is CMP's base URL, used for Site-Kit's heartbeat callbacks.
	PublicURL string
	// CommissionBPS is the platform's cut of each charge in basis points.
	CommissionBPS int64
	Logger        *slog.Logger
	// Now is the clock (tests may fix it); nil means time.Now.
	Now func() time.Time
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return models.Now()
}

func (a *Activities) log() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}
