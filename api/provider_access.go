package api

import (
	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// currentProvider returns the provider the caller acts for: the provider of an
// organization where the caller is owner or admin. ?provider= picks one when the
// caller manages several. Callers who manage none get 403 not_a_provider.
func (s *Server) currentProvider(c *gin.Context) (models.Provider, error) {
	u := mustUser(c)
	orgs, err := s.Store.OrganizationsOf(c, u.ID)
	if err != nil {
		return models.Provider{}, err
	}
	var managed []string
	for _, o := range orgs {
		if o.Role.CanManage() {
			managed = append(managed, o.ID)
		}
	}
	if len(managed) > 0 {
		q := s.Store.WithContext(c).Where("organization_id IN ?", managed)
		if id := c.Query("provider"); id != "" {
			q = q.Where("id = ? OR slug = ?", id, id)
		}
		var p models.Provider
		if err := q.Order("created_at, id").Take(&p).Error; err == nil {
			return p, nil
		}
	}
	return models.Provider{}, errs.New(errs.Forbidden, "you do not act for a provider: register one with POST /api/v1/providers").WithReason("not_a_provider")
}
