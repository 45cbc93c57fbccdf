package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// searchSortColumns are what the keyset, the ORDER BY and the cursor of every
// sort read; offering_search's covering sort indexes (migration 00025) hold
// them all, so a search without words finds its page by an index-only scan.
const searchSortColumns = "offerings.id, offerings.category, offerings.featured, offerings.rating_avg, offerings.rating_count, " +
	"offerings.starting_price, offerings.active_subscriptions"

// searchCardColumns are a result card's offering and provider columns, read
// only for the rows of the page.
const searchCardColumns = "o.id, o.provider_id, o.slug, o.name, o.category, o.summary, o.logo_url, o.demo_url, o.visibility, o.state, " +
	"o.featured, o.rating_avg, o.rating_count, o.active_subscriptions, o.starting_price, o.currency, o.created_at, o.updated_at, " +
	"o.published_at, offerings.score, pr.id, pr.organization_id, pr.slug, pr.name, pr.description, pr.website, pr.support_email, " +
	"pr.rating_avg, pr.rating_count, pr.created_at, pr.updated_at"

// searchPostgres answers a search in one statement (one round trip instead of
// page, score of the last item, providers and facets apart), reading matches
// from the narrow offering_search table and only the page's rows from
// offerings and providers. With words, the matches are read once into a
// materialised CTE (the GIN bitmap scan is the expensive part) and both the
// page and the facet counts come from it; without words the page is a LIMIT on
// a covering sort index and the facets an index-only count.
func (s *Store) searchPostgres(ctx context.Context, v Viewer, q SearchQuery, m matcher, keys []sortKey) (SearchPage, error) {
	base := func() *gorm.DB {
		// offering_search (migration 00025) under the name the filters use.
		return s.VisibleOfferings(s.DB.Session(&gorm.Session{NewDB: true, Context: ctx}).Table("offering_search AS offerings"), v)
	}
	// In the page and the outer query the page's rows are called "offerings", so
	// the sort keys' expressions read its columns; the score is a column there.
	pageKeys := keys
	if len(m.words) > 0 && q.Sort == SortRelevance {
		pageKeys = append([]sortKey{{expr: "offerings.score", desc: true}}, keys[1:]...)
	}
	var with, facetsFrom string
	var vars []any
	var page *gorm.DB
	if len(m.words) > 0 {
		// Only the relevance sort reads the score: four full-text tests per word
		// and match, the largest part of a many-match search.
		score, scoreVars := "0", []any(nil)
		if q.Sort == SortRelevance {
			score, scoreVars = m.score()
		}
		matches := q.filter(m.filter(base().Select(searchSortColumns+", "+score+" AS score", scoreVars...)), false)
		page = s.DB.Session(&gorm.Session{NewDB: true, Context: ctx}).Table("m AS offerings").Select("*")
		if q.Category != "" {
			page = page.Where("offerings.category = ?", q.Category)
		}
		with, facetsFrom = "WITH m AS MATERIALIZED (?), p AS (?) ", "(SELECT category, COUNT(*) AS n FROM m GROUP BY category)"
		vars = append(vars, matches)
	} else {
		page = q.filter(base().Select(searchSortColumns+", 0 AS score"), true)
		with, facetsFrom = "WITH p AS (?) ", "(?)"
	}
	if q.After != nil {
		page = keyset(page, pageKeys, q.After)
	}
	orderSQL, orderVars := orderBy(pageKeys)
	page = page.Order(clause.OrderBy{Expression: clause.Expr{SQL: orderSQL, Vars: orderVars, WithoutParentheses: true}}).Limit(q.Limit + 1)
	vars = append(vars, page)
	if len(m.words) == 0 {
		vars = append(vars, q.filter(base().Select("offerings.category, COUNT(*) AS n"), false).Group("offerings.category"))
	}
	vars = append(vars, orderVars...)
	sql := with + "SELECT ff.facets, " + searchCardColumns +
		" FROM (SELECT json_object_agg(f.category, f.n) AS facets FROM " + facetsFrom + " f) ff" +
		" LEFT JOIN (p AS offerings JOIN offerings o ON o.id = offerings.id LEFT JOIN providers pr ON pr.id = o.provider_id) ON true" +
		" ORDER BY " + orderSQL
	rows, err := s.WithContext(ctx).Raw(sql, vars...).Rows()
	if err != nil {
		return SearchPage{}, err
	}
	defer rows.Close()
	var out SearchPage
	var facets []byte
	var scores []int64
	cols := make([]any, 32)
	dest := make([]any, len(cols))
	for i := range cols {
		dest[i] = &cols[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return SearchPage{}, err
		}
		facets = asBytes(cols[0])
		if cols[1] == nil { // no match: the facets row alone
			continue
		}
		o, score := offeringOfRow(cols[1:])
		out.Items = append(out.Items, o)
		scores = append(scores, score)
	}
	if err := rows.Err(); err != nil {
		return SearchPage{}, err
	}
	out.Facets = map[Category]int64{}
	for _, k := range Categories {
		out.Facets[k.Slug] = 0
	}
	if len(facets) > 0 {
		var counts map[Category]int64
		if err := json.Unmarshal(facets, &counts); err != nil {
			return SearchPage{}, fmt.Errorf("search facets: %w", err)
		}
		for k, n := range counts {
			out.Facets[k] = n
		}
	}
	if len(out.Items) > q.Limit {
		out.Items = out.Items[:q.Limit]
		last := out.Items[q.Limit-1]
		c := Cursor{Sort: q.Sort, Query: q.Fingerprint(), Values: make([]any, len(keys))}
		for i, k := range keys {
			if k.value != nil {
				c.Values[i] = k.value(last)
			} else {
				c.Values[i] = scores[q.Limit-1]
			}
		}
		out.Next = &c
	}
	return out, nil
}

// orderBy renders the keys as an ORDER BY list.
func orderBy(keys []sortKey) (string, []any) {
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
	return strings.Join(order, ", "), vars
}

// offeringOfRow converts the driver values of searchCardColumns.
func offeringOfRow(c []any) (Offering, int64) {
	o := Offering{ID: asString(c[0]), ProviderID: asString(c[1]), Slug: asString(c[2]), Name: asString(c[3]),
		Category: Category(asString(c[4])), Summary: asString(c[5]), LogoURL: asString(c[6]), DemoURL: asString(c[7]),
		Visibility: Visibility(asString(c[8])), State: OfferingState(asString(c[9])), Featured: asBool(c[10]),
		RatingAvg: asFloat(c[11]), RatingCount: asInt(c[12]), ActiveSubscriptions: asInt(c[13]), StartingPrice: asInt(c[14]),
		Currency: asString(c[15]), CreatedAt: asTime(c[16]), UpdatedAt: asTime(c[17])}
	if c[18] != nil {
		t := asTime(c[18])
		o.PublishedAt = &t
	}
	if c[20] != nil {
		o.Provider = &Provider{ID: asString(c[20]), OrganizationID: asString(c[21]), Slug: asString(c[22]), Name: asString(c[23]),
			Description: asString(c[24]), Website: asString(c[25]), SupportEmail: asString(c[26]), RatingAvg: asFloat(c[27]),
			RatingCount: asInt(c[28]), CreatedAt: asTime(c[29]), UpdatedAt: asTime(c[30])}
	}
	return o, asInt(c[19])
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

func asBytes(v any) []byte {
	switch x := v.(type) {
	case string:
		return []byte(x)
	case []byte:
		return x
	}
	return nil
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

func asFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}

func asBool(v any) bool {
	b, _ := v.(bool)
	return b
}

func asTime(v any) time.Time {
	t, _ := v.(time.Time)
	return t
}
