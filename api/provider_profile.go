package api

import (
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// RegisterProviderRequest makes the caller's organization a service provider.
// Organization picks one the caller owns or administers; without it the
// caller's first managed organization is used, or a new one is created.
type RegisterProviderRequest struct {
	Name         string `json:"name" binding:"required"`
	Description  string `json:"description"`
	Website      string `json:"website"`
	SupportEmail string `json:"support_email"`
	Organization string `json:"organization,omitempty"`
}

// UpdateProviderRequest edits the provider profile; absent fields stay.
type UpdateProviderRequest struct {
	Name         *string `json:"name"`
	Description  *string `json:"description"`
	Website      *string `json:"website"`
	SupportEmail *string `json:"support_email"`
}

// ProviderDTO is a provider's profile as its staff see it.
type ProviderDTO struct {
	ID             string    `json:"id"`
	Slug           string    `json:"slug"`
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	Website        string    `json:"website"`
	SupportEmail   string    `json:"support_email"`
	OrganizationID string    `json:"organization_id"`
	CreatedAt      time.Time `json:"created_at"`
}

// ProviderSettingsDTO are the provider's notification preferences. The payout
// method arrives with the money issue.
type ProviderSettingsDTO struct {
	NotificationEmail string `json:"notification_email"`
	NotifyOrders      bool   `json:"notify_orders"`
	NotifyReviews     bool   `json:"notify_reviews"`
	NotifyPayouts     bool   `json:"notify_payouts"`
}

func toProviderDTO(p models.Provider) ProviderDTO {
	return ProviderDTO{ID: p.ID, Slug: p.Slug, Name: p.Name, Description: p.Description, Website: p.Website,
		SupportEmail: p.SupportEmail, OrganizationID: p.OrganizationID, CreatedAt: p.CreatedAt}
}

func (s *Server) routesProviderProfile(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/providers", doc{Summary: "Become a provider (creates an organization when you have none)", Tag: "provider",
		Access: accessUser, Body: RegisterProviderRequest{}, Response: ProviderDTO{}, Status: http.StatusCreated}, s.registerProvider)
	s.handle(r, http.MethodGet, "/provider", doc{Summary: "Your provider profile", Tag: "provider", Access: accessUser, Query: []string{"provider"}, Response: ProviderDTO{}}, s.getProvider)
	s.handle(r, http.MethodPatch, "/provider", doc{Summary: "Edit your provider profile", Tag: "provider", Access: accessUser, Body: UpdateProviderRequest{}, Response: ProviderDTO{}}, s.updateProvider)
	s.handle(r, http.MethodGet, "/provider/settings", doc{Summary: "Notification preferences", Tag: "provider", Access: accessUser, Response: ProviderSettingsDTO{}}, s.getProviderSettings)
	s.handle(r, http.MethodPut, "/provider/settings", doc{Summary: "Replace notification preferences", Tag: "provider", Access: accessUser, Body: ProviderSettingsDTO{}, Response: ProviderSettingsDTO{}}, s.putProviderSettings)
}

func (s *Server) registerProvider(c *gin.Context) {
	var req RegisterProviderRequest
	if !bindJSON(c, &req) {
		return
	}
	p := models.Provider{Name: strings.TrimSpace(req.Name), Description: strings.TrimSpace(req.Description),
		Website: strings.TrimSpace(req.Website), SupportEmail: strings.TrimSpace(req.SupportEmail)}
	if err := validateProvider(p); err != nil {
		fail(c, err)
		return
	}
	u := mustUser(c)
	orgID, err := s.providerOrganization(c, u, req.Organization)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.CreateProvider(c, u.ID, orgID, &p); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toProviderDTO(p))
}

// providerOrganization picks the organization to make a provider: the named one
// (which the caller must manage), else the first managed one that is not a
// provider yet; "" asks the store to create one.
func (s *Server) providerOrganization(c *gin.Context, u models.User, want string) (string, error) {
	orgs, err := s.Store.OrganizationsOf(c, u.ID)
	if err != nil {
		return "", err
	}
	for _, o := range orgs {
		if want != "" && o.ID == want {
			if !o.Role.CanManage() {
				return "", errs.New(errs.Forbidden, "only an owner or admin may make this organization a provider")
			}
			return o.ID, nil
		}
	}
	if want != "" {
		return "", errs.New(errs.NotFound, "organization not found").WithDetails(map[string]any{"field": "organization"})
	}
	for _, o := range orgs {
		if !o.Role.CanManage() {
			continue
		}
		var n int64
		if err := s.Store.WithContext(c).Model(&models.Provider{}).Where("organization_id = ?", o.ID).Count(&n).Error; err != nil {
			return "", err
		}
		if n == 0 {
			return o.ID, nil
		}
		return "", errs.New(errs.Conflict, "your organization %s is already a provider", o.Name).WithReason("already_a_provider")
	}
	return "", nil
}

func validateProvider(p models.Provider) error {
	if len(p.Name) < 2 || len(p.Name) > 100 {
		return errs.Field("name", "name must be 2 to 100 characters")
	}
	if len(p.Description) > 2000 {
		return errs.Field("description", "description must be at most 2000 characters")
	}
	if p.Website != "" && !validURL(p.Website) {
		return errs.Field("website", "website must be an http(s) URL")
	}
	if p.SupportEmail != "" {
		if a, err := mail.ParseAddress(p.SupportEmail); err != nil || a.Address != p.SupportEmail || len(p.SupportEmail) > 254 {
			return errs.Field("support_email", "support_email must be an email address")
		}
	}
	return nil
}

// validURL accepts absolute http(s) URLs of reasonable length.
func validURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(v) <= 2048
}

func (s *Server) getProvider(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toProviderDTO(p))
}

func (s *Server) updateProvider(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req UpdateProviderRequest
	if !bindJSON(c, &req) {
		return
	}
	fields := map[string]any{}
	set := func(col string, dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
			fields[col] = *dst
		}
	}
	set("name", &p.Name, req.Name)
	set("description", &p.Description, req.Description)
	set("website", &p.Website, req.Website)
	set("support_email", &p.SupportEmail, req.SupportEmail)
	if err := validateProvider(p); err != nil {
		fail(c, err)
		return
	}
	if len(fields) > 0 {
		if err := s.Store.UpdateProvider(c, p.ID, fields); err != nil {
			fail(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, toProviderDTO(p))
}

func (s *Server) getProviderSettings(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	st, err := s.Store.ProviderSettingsOf(c, p.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ProviderSettingsDTO{NotificationEmail: st.NotificationEmail, NotifyOrders: st.NotifyOrders,
		NotifyReviews: st.NotifyReviews, NotifyPayouts: st.NotifyPayouts})
}

func (s *Server) putProviderSettings(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req ProviderSettingsDTO
	if !bindJSON(c, &req) {
		return
	}
	req.NotificationEmail = strings.TrimSpace(req.NotificationEmail)
	if req.NotificationEmail != "" {
		if a, err := mail.ParseAddress(req.NotificationEmail); err != nil || a.Address != req.NotificationEmail {
			fail(c, errs.Field("notification_email", "notification_email must be an email address"))
			return
		}
	}
	if err := s.Store.SaveProviderSettings(c, models.ProviderSettings{ProviderID: p.ID, NotificationEmail: req.NotificationEmail,
		NotifyOrders: req.NotifyOrders, NotifyReviews: req.NotifyReviews, NotifyPayouts: req.NotifyPayouts}); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, req)
}
