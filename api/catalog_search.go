package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// OfferingList is a page of search results.
type OfferingList struct {
	Items      []OfferingSummary `json:"items"`
	NextCursor string            `json:"next_cursor"`
}

func (s *Server) routesSearch(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/offerings", doc{Summary: "Browse and search the marketplace", Tag: "catalog",
		Query: []string{"category", "q", "limit", "cursor"}, Response: OfferingList{}}, s.listOfferings)
}

// listOfferings is the spine's simple listing: category and keyword filter, keyset
// pagination on ID. Discovery replaces it with ranked full-text search.
func (s *Server) listOfferings(c *gin.Context) {
	limit, err := queryLimit(c, 20, 100)
	if err != nil {
		fail(c, err)
		return
	}
	q := s.Store.VisibleOfferings(s.Store.WithContext(c).Model(&models.Offering{}), s.viewer(c)).Preload("Provider")
	if cat := c.Query("category"); cat != "" {
		if !models.Category(cat).Valid() {
			fail(c, errs.Field("category", "category must be one of agents, apps, assistants, automations"))
			return
		}
		q = q.Where("offerings.category = ?", cat)
	}
	if kw := strings.TrimSpace(c.Query("q")); kw != "" {
		like := "%" + strings.ToLower(kw) + "%"
		q = q.Where("LOWER(offerings.name) LIKE ? OR LOWER(offerings.summary) LIKE ? OR LOWER(offerings.description) LIKE ?", like, like, like)
	}
	if cur := c.Query("cursor"); cur != "" {
		q = q.Where("offerings.id > ?", cur)
	}
	var rows []models.Offering
	if err := q.Order("offerings.id").Limit(limit + 1).Find(&rows).Error; err != nil {
		fail(c, err)
		return
	}
	out := OfferingList{Items: []OfferingSummary{}}
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextCursor = rows[limit-1].ID
	}
	for _, o := range rows {
		out.Items = append(out.Items, toOfferingSummary(o))
	}
	c.JSON(http.StatusOK, out)
}
