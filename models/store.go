package models

import (
	"context"
	"errors"

	"github.com/cmp-platform/cmp/internal/errs"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Store is the read-model database. Its methods are the queries the API and the
// activities need; each returns errs codes (not_found, conflict) for expected misses.
type Store struct {
	DB *gorm.DB
}

// NewStore wraps an open database.
func NewStore(db *gorm.DB) *Store { return &Store{DB: db} }

// WithContext returns the gorm handle bound to ctx.
func (s *Store) WithContext(ctx context.Context) *gorm.DB { return s.DB.WithContext(ctx) }

// Tx runs fn in a transaction.
func (s *Store) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.DB.WithContext(ctx).Transaction(fn)
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// notFound turns gorm's miss into a coded error naming what was missing.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return errs.New(errs.NotFound, "%s not found", what)
	}
	return err
}

// IsDuplicate reports whether err is a unique-constraint violation.
func IsDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

var onConflictNothing = clause.OnConflict{DoNothing: true}
