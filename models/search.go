package models

import (
	"context"
	"strings"
	"unicode"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SearchSort orders search results.
type SearchSort string

// The sorts the marketplace offers. SortFeatured is the default without a query
// (operator-featured offerings first); SortRelevance the default with one.
const (
	SortFeatured   SearchSort = "featured"
	SortRelevance  SearchSort = "relevance"
	SortRating     SearchSort = "rating"
	SortNewest     SearchSort = "newest"
	SortPriceAsc   SearchSort = "price_asc"
	SortPriceDesc  SearchSort = "price_desc"
	SortPopularity SearchSort = "popularity"
)

// SearchSorts lists the sorts a client may ask for.
var SearchSorts = []SearchSort{SortRelevance, SortRating, SortNewest, SortPriceAsc, SortPriceDesc, SortPopularity, SortFeatured}

// Valid reports whether s is a known sort.
func (s SearchSort) Valid() bool {
	for _, k := range SearchSorts {
		if k == s {
			return true
		}
	}
	return false
}

// SearchQuery is one catalog search: text, filters, sort and a page.
type SearchQuery struct {
	// Text is matched as prefixes of words in name, summary, tags, features,
	// description and provider name; every word must match.
	Text     string
	Category Category
	// Provider is a provider slug or ID.
	Provider string
	// PriceMin and PriceMax bound the monthly-normalised starting price (minor units).
	PriceMin, PriceMax *int64
	// PricingModel keeps offerings with a plan that has a component of this type.
	PricingModel ComponentType
	MinRating    *float64
	HasDemo      *bool
	Sort         SearchSort
	Limit        int
	// After continues from the last item of the previous page.
	After *Cursor
}

// SearchPage is one page of results with per-category counts of the whole result.
type SearchPage struct {
	Items []Offering
	// Next continues after the last item; nil on the last page.
	Next *Cursor
	// Facets counts the matches per category, ignoring the category filter.
	Facets map[Category]int64
	// Corrected is the query actually run when Text had no match and a nearby
	// spelling did ("" when Text was used as given).
	Corrected string
}

// Weights of where a query word is found: a name match outranks everything below
// it combined, so the ranking reads name > summary/tags > features > description.
const (
	weightName        = 8
	weightSummaryTags = 4
	weightFeatures    = 2
	weightDescription = 1
)

var stopWords = map[string]bool{"a": true, "an": true, "and": true, "the": true, "of": true, "or": true, "for": true, "to": true, "in": true, "on": true, "with": true}

// maxSearchWords bounds the work one query can cause.
const maxSearchWords = 6

// SearchWords splits text into lower-case words of letters and digits, dropping
// stop words; it is also what makes user input safe inside a match expression.
func SearchWords(text string) []string {
	fields := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var out []string
	seen := map[string]bool{}
	for _, f := range fields {
		if stopWords[f] || seen[f] {
			continue
		}
		seen[f] = true
		out = append(out, f)
		if len(out) == maxSearchWords {
			break
		}
	}
	return out
}

// Search runs q for v. Results are what v may see (VisibleOfferings), ordered by
// q.Sort with the offering ID as the final tie-break, so the keyset cursor never
// repeats or skips an item while offerings are added.
func (s *Store) Search(ctx context.Context, v Viewer, q SearchQuery) (SearchPage, error) {
	words := SearchWords(q.Text)
	if q.Sort == "" {
		q.Sort = SortFeatured
		if len(words) > 0 {
			q.Sort = SortRelevance
		}
	}
	page, err := s.search(ctx, v, q, words)
	if err != nil || len(words) == 0 || len(page.Items) > 0 {
		return page, err
	}
	// Nothing matched: retry once with misspelt words replaced by indexed ones.
	fixed, changed, err := s.correctWords(ctx, words)
	if err != nil || !changed {
		return page, err
	}
	again, err := s.search(ctx, v, q, fixed)
	if err != nil || len(again.Items) == 0 {
		return page, err
	}
	again.Corrected = strings.Join(fixed, " ")
	return again, nil
}

func (s *Store) search(ctx context.Context, v Viewer, q SearchQuery, words []string) (SearchPage, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	m := s.matcher(words)
	keys := sortKeys(q.Sort, m)
	if q.After != nil {
		if err := checkCursor(q.After, q, keys); err != nil {
			return SearchPage{}, err
		}
	}
	if m.postgres {
		return s.searchPostgres(ctx, v, q, m, keys)
	}
	db := s.WithContext(ctx)
	sel := s.VisibleOfferings(db.Model(&Offering{}), v).Select(offeringColumns)
	sel = q.filter(m.filter(sel), true)
	if q.After != nil {
		sel = keyset(sel, keys, q.After)
	}
	order := make([]string, 0, len(keys))
	var vars []any
	for _, k := range keys {
		dir := " ASC"
		if k.desc {
			dir = " DESC"
		}
		order = append(order, k.expr+dir)
		vars = append(vars, k.vars...)
	}
	sel = sel.Order(clause.OrderBy{Expression: clause.Expr{SQL: strings.Join(order, ", "), Vars: vars, WithoutParentheses: true}}).Limit(q.Limit + 1)
	var rows []Offering
	if err := sel.Find(&rows).Error; err != nil {
		return SearchPage{}, err
	}
	page := SearchPage{Items: rows}
	if len(rows) > q.Limit {
		page.Items = rows[:q.Limit]
		last, err := s.cursorOf(ctx, keys, page.Items[q.Limit-1])
		if err != nil {
			return page, err
		}
		last.Sort, last.Query = q.Sort, q.Fingerprint()
		page.Next = &last
	}
	if err := s.attachProviders(ctx, page.Items); err != nil {
		return page, err
	}
	facets, err := s.facets(ctx, v, q, m)
	page.Facets = facets
	return page, err
}

// offeringColumns are what a result card shows and the sorts read; the long
// text, JSON columns and the engine's search column (a large tsvector on
// PostgreSQL) stay behind, the offering page loads them.
const offeringColumns = "offerings.id, offerings.provider_id, offerings.slug, offerings.name, offerings.category, offerings.summary, " +
	"offerings.logo_url, offerings.demo_url, offerings.visibility, offerings.state, offerings.featured, offerings.rating_avg, " +
	"offerings.rating_count, offerings.active_subscriptions, offerings.starting_price, offerings.currency, offerings.created_at, " +
	"offerings.updated_at, offerings.published_at"

// filter applies the structured filters; withCategory=false leaves the category
// out for facet counts.
func (q SearchQuery) filter(db *gorm.DB, withCategory bool) *gorm.DB {
	if withCategory && q.Category != "" {
		db = db.Where("offerings.category = ?", q.Category)
	}
	if q.Provider != "" {
		db = db.Where("offerings.provider_id IN (SELECT id FROM providers WHERE slug = ? OR id = ?)", q.Provider, q.Provider)
	}
	if q.PriceMin != nil {
		db = db.Where("offerings.starting_price >= ?", *q.PriceMin)
	}
	if q.PriceMax != nil {
		db = db.Where("offerings.starting_price <= ?", *q.PriceMax)
	}
	// pricing_fixed and pricing_usage are kept from the plans by triggers (migration 00023).
	switch q.PricingModel {
	case ComponentFixed:
		db = db.Where("offerings.pricing_fixed = ?", true)
	case ComponentUsage:
		db = db.Where("offerings.pricing_usage = ?", true)
	}
	if q.MinRating != nil {
		db = db.Where("offerings.rating_avg >= ?", *q.MinRating)
	}
	if q.HasDemo != nil {
		if *q.HasDemo {
			db = db.Where("offerings.demo_url <> ''")
		} else {
			db = db.Where("offerings.demo_url = ''")
		}
	}
	return db
}

func (s *Store) facets(ctx context.Context, v Viewer, q SearchQuery, m matcher) (map[Category]int64, error) {
	var rows []struct {
		Category Category
		N        int64
	}
	db := s.VisibleOfferings(s.WithContext(ctx).Model(&Offering{}), v)
	db = q.filter(m.filter(db), false)
	err := db.Select("offerings.category AS category, COUNT(*) AS n").Group("offerings.category").Scan(&rows).Error
	out := map[Category]int64{}
	for _, k := range Categories {
		out[k.Slug] = 0
	}
	for _, r := range rows {
		out[r.Category] = r.N
	}
	return out, err
}

// attachProviders loads the providers of a page in one query.
func (s *Store) attachProviders(ctx context.Context, items []Offering) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]string, 0, len(items))
	for _, o := range items {
		ids = append(ids, o.ProviderID)
	}
	var provs []Provider
	if err := s.WithContext(ctx).Where("id IN ?", ids).Find(&provs).Error; err != nil {
		return err
	}
	byID := make(map[string]*Provider, len(provs))
	for i := range provs {
		byID[provs[i].ID] = &provs[i]
	}
	for i := range items {
		items[i].Provider = byID[items[i].ProviderID]
	}
	return nil
}

// CatalogVersion is a number that changes with every write to offerings, plans,
// providers, reviews and shares (database triggers bump it), for page caches.
// exact reports that no write can be pending behind the number: always on SQLite
// (the counter is transactional), and on PostgreSQL when no transaction was in
// progress (its sequence moves before the writer commits).
func (s *Store) CatalogVersion(ctx context.Context) (version int64, exact bool, err error) {
	var row struct {
		Version int64
		Exact   bool
	}
	q := "SELECT version, 1 AS exact FROM catalog_version WHERE id = 1"
	if s.DB.Dialector.Name() == "postgres" {
		q = "SELECT last_value AS version, NOT EXISTS (SELECT pg_snapshot_xip(pg_current_snapshot())) AS exact FROM catalog_version_seq"
	}
	err = s.WithContext(ctx).Raw(q).Scan(&row).Error
	return row.Version, row.Exact, err
}

// ProviderOfferingCount counts a provider's offerings v may see.
func (s *Store) ProviderOfferingCount(ctx context.Context, v Viewer, providerID string) (int64, error) {
	var n int64
	err := s.VisibleOfferings(s.WithContext(ctx).Model(&Offering{}), v).Where("offerings.provider_id = ?", providerID).Count(&n).Error
	return n, err
}
