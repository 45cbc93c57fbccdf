package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// OfferingList is a page of search results.
type OfferingList struct {
	Items      []OfferingSummary `json:"items"`
	NextCursor string            `json:"next_cursor"`
	// Facets counts all matches per category, ignoring the category filter.
	Facets SearchFacets `json:"facets"`
	// Sort is the order applied (relevance by default with q, featured without).
	Sort string `json:"sort"`
	// CorrectedQuery is set when q matched nothing and a nearby spelling did.
	CorrectedQuery string `json:"corrected_query,omitempty"`
}

// SearchFacets are the facet counts of a search.
type SearchFacets struct {
	Category map[string]int64 `json:"category"`
}

var searchParams = []string{"q", "category", "provider", "price_min", "price_max", "pricing_model", "min_rating", "has_demo", "sort", "limit", "cursor"}

func (s *Server) routesSearch(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/offerings", doc{Summary: "Search, filter, sort and page the marketplace (ETag, 304)", Tag: "catalog",
		Query: searchParams, Response: OfferingList{}}, s.cached(), s.listOfferings)
}

// listOfferings is the marketplace search: full-text q ranked name > summary/tags >
// features > description, structured filters, six sorts, keyset cursor pages.
func (s *Server) listOfferings(c *gin.Context) {
	q, err := parseSearch(c)
	if err != nil {
		fail(c, err)
		return
	}
	page, err := s.Store.Search(c, s.viewer(c), q)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toOfferingList(q, page))
}

func toOfferingList(q models.SearchQuery, page models.SearchPage) OfferingList {
	out := OfferingList{Items: make([]OfferingSummary, 0, len(page.Items)), Facets: SearchFacets{Category: map[string]int64{}},
		CorrectedQuery: page.Corrected, Sort: string(q.Sort)}
	for _, o := range page.Items {
		out.Items = append(out.Items, toOfferingSummary(o))
	}
	if page.Next != nil {
		out.NextCursor = page.Next.Encode()
	}
	for k, n := range page.Facets {
		out.Facets.Category[string(k)] = n
	}
	return out
}

// parseSearch validates the query string into a search; any bad parameter is a
// 400 naming it.
func parseSearch(c *gin.Context) (models.SearchQuery, error) {
	var q models.SearchQuery
	var err error
	if q.Limit, err = queryLimit(c, 20, 100); err != nil {
		return q, err
	}
	q.Text = strings.TrimSpace(c.Query("q"))
	if len(q.Text) > 200 {
		return q, errs.Field("q", "q must be at most 200 characters")
	}
	if v := c.Query("category"); v != "" {
		if !models.Category(v).Valid() {
			return q, errs.Field("category", "category must be one of agents, apps, assistants, automations")
		}
		q.Category = models.Category(v)
	}
	q.Provider = c.Query("provider")
	if q.PriceMin, err = queryInt(c, "price_min"); err != nil {
		return q, err
	}
	if q.PriceMax, err = queryInt(c, "price_max"); err != nil {
		return q, err
	}
	if q.PriceMin != nil && q.PriceMax != nil && *q.PriceMin > *q.PriceMax {
		return q, errs.Field("price_min", "price_min must not exceed price_max")
	}
	switch v := models.ComponentType(c.Query("pricing_model")); v {
	case "":
	case models.ComponentFixed, models.ComponentUsage:
		q.PricingModel = v
	default:
		return q, errs.Field("pricing_model", "pricing_model must be fixed or usage")
	}
	if v := c.Query("min_rating"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 5 {
			return q, errs.Field("min_rating", "min_rating must be a number from 0 to 5")
		}
		q.MinRating = &f
	}
	if v := c.Query("has_demo"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return q, errs.Field("has_demo", "has_demo must be true or false")
		}
		q.HasDemo = &b
	}
	if v := c.Query("sort"); v != "" {
		if !models.SearchSort(v).Valid() {
			return q, errs.Field("sort", "sort must be one of relevance, rating, newest, price_asc, price_desc, popularity, featured")
		}
		q.Sort = models.SearchSort(v)
	}
	if q.Sort == "" {
		q.Sort = models.SortFeatured
		if len(models.SearchWords(q.Text)) > 0 {
			q.Sort = models.SortRelevance
		}
	}
	if v := c.Query("cursor"); v != "" {
		if q.After, err = models.DecodeCursor(v); err != nil {
			return q, err
		}
	}
	return q, nil
}

// queryInt reads an optional non-negative integer (minor units) from the query.
func queryInt(c *gin.Context, name string) (*int64, error) {
	v := c.Query(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, errs.Field(name, "%s must be a non-negative integer amount in minor units (cents)", name)
	}
	return &n, nil
}
