package models

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/cmp-platform/cmp/internal/errs"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Cursor is the position after the last item of a page: the sort keys of that
// item. Clients see it as opaque base64 JSON (Encode/DecodeCursor).
type Cursor struct {
	Sort SearchSort `json:"s"`
	// Query fingerprints the text and filters, so a cursor is not replayed on another search.
	Query  string `json:"q"`
	Values []any  `json:"v"`
}

// Encode renders the cursor for a next_cursor field.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

var errBadCursor = errs.Field("cursor", "cursor is not one this search returned: start again without it")

// DecodeCursor parses a next_cursor value.
func DecodeCursor(s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errBadCursor
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var c Cursor
	if err := d.Decode(&c); err != nil || !c.Sort.Valid() {
		return nil, errBadCursor
	}
	return &c, nil
}

// Fingerprint identifies the text, filters and sort of q (not the page).
func (q SearchQuery) Fingerprint() string {
	b, _ := json.Marshal([]any{strings.Join(SearchWords(q.Text), " "), q.Category, q.Provider, q.PriceMin, q.PriceMax, q.PricingModel, q.MinRating, q.HasDemo, q.Sort})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:6])
}

type keyKind int

const (
	keyInt keyKind = iota
	keyFloat
	keyString
	keyBool
)

// sortKey is one ORDER BY term; the last key of every sort is the unique ID.
type sortKey struct {
	expr string
	vars []any
	desc bool
	kind keyKind
	// value reads the key from a loaded row (nil: ask the database, as for scores).
	value func(Offering) any
}

var (
	idKey = sortKey{expr: "offerings.id", kind: keyString, value: func(o Offering) any { return o.ID }}
	// idDesc breaks ties of descending sorts, so one backward index scan serves them.
	idDesc = sortKey{expr: "offerings.id", desc: true, kind: keyString, value: func(o Offering) any { return o.ID }}
)

func sortKeys(s SearchSort, m matcher) []sortKey {
	// Featured first, newest first within each group: one backward index scan.
	featured := sortKey{expr: "offerings.featured", desc: true, kind: keyBool, value: func(o Offering) any { return o.Featured }}
	switch s {
	case SortRelevance:
		if len(m.words) == 0 {
			return []sortKey{featured, idDesc}
		}
		expr, vars := m.score()
		return []sortKey{{expr: expr, vars: vars, desc: true}, idKey}
	case SortRating:
		return []sortKey{
			{expr: "offerings.rating_avg", desc: true, kind: keyFloat, value: func(o Offering) any { return o.RatingAvg }},
			{expr: "offerings.rating_count", desc: true, value: func(o Offering) any { return o.RatingCount }},
			idDesc,
		}
	case SortNewest:
		// IDs are ULIDs: they sort by creation time and are unique.
		return []sortKey{idDesc}
	case SortPriceAsc:
		return []sortKey{{expr: "offerings.starting_price", value: func(o Offering) any { return o.StartingPrice }}, idKey}
	case SortPriceDesc:
		return []sortKey{{expr: "offerings.starting_price", desc: true, value: func(o Offering) any { return o.StartingPrice }}, idDesc}
	case SortPopularity:
		return []sortKey{{expr: "offerings.active_subscriptions", desc: true, value: func(o Offering) any { return o.ActiveSubscriptions }}, idDesc}
	default:
		return []sortKey{featured, idDesc}
	}
}

// cursorOf reads the sort keys of the last item of a page.
func (s *Store) cursorOf(ctx context.Context, keys []sortKey, last Offering) (Cursor, error) {
	c := Cursor{Values: make([]any, len(keys))}
	for i, k := range keys {
		if k.value != nil {
			c.Values[i] = k.value(last)
			continue
		}
		var n int64
		err := s.WithContext(ctx).Raw("SELECT "+k.expr+" FROM offerings WHERE offerings.id = ?", append(append([]any{}, k.vars...), last.ID)...).Scan(&n).Error
		if err != nil {
			return c, err
		}
		c.Values[i] = n
	}
	return c, nil
}

// keyset keeps the rows strictly after the cursor in the keys' order:
// (k1 after v1) OR (k1 = v1 AND k2 after v2) OR ...
func keyset(db *gorm.DB, keys []sortKey, c *Cursor) *gorm.DB {
	var ors []string
	var vars []any
	for i, k := range keys {
		var ands []string
		for j, p := range keys[:i] {
			ands = append(ands, p.expr+" = ?")
			vars = append(vars, p.vars...)
			vars = append(vars, cursorValue(p.kind, c.Values[j]))
		}
		op := " > ?"
		if k.desc {
			op = " < ?"
		}
		ands = append(ands, k.expr+op)
		vars = append(vars, k.vars...)
		vars = append(vars, cursorValue(k.kind, c.Values[i]))
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return db.Where(clause.Expr{SQL: "(" + strings.Join(ors, " OR ") + ")", Vars: vars})
}

// checkCursor rejects a cursor made for another search or sort.
func checkCursor(c *Cursor, q SearchQuery, keys []sortKey) error {
	if c.Sort != q.Sort || c.Query != q.Fingerprint() || len(c.Values) != len(keys) {
		return errBadCursor
	}
	for i, k := range keys {
		if cursorValue(k.kind, c.Values[i]) == nil {
			return errBadCursor
		}
	}
	return nil
}

// cursorValue converts a decoded JSON value to the key's Go type (nil if it cannot).
func cursorValue(kind keyKind, v any) any {
	switch x := v.(type) {
	case json.Number:
		switch kind {
		case keyInt:
			if n, err := x.Int64(); err == nil {
				return n
			}
		case keyFloat:
			if f, err := x.Float64(); err == nil {
				return f
			}
		}
	case string:
		if kind == keyString {
			return x
		}
	case bool:
		if kind == keyBool {
			return x
		}
	case int, int64, float64:
		return x
	}
	return nil
}
