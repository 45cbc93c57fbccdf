// Package models holds CMP's GORM read models, their state enums and allowed
// transitions, and the queries the API and activities need. No HTTP, no Temporal.
package models

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// NewID returns a sortable unique ID with a type prefix, e.g. "ord_01j9...".
// IDs are drawn in activities or handlers, never in workflow code.
func NewID(prefix string) string {
	return prefix + "_" + strings.ToLower(ulid.MustNew(ulid.Timestamp(time.Now()), rand.Reader).String())
}

// Now is the database clock: UTC, microsecond precision (what both engines store).
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
