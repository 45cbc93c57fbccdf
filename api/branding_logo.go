package api

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/blob"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

func (s *Server) routesBrandingLogo(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/agents/:id/branding/logo", doc{Summary: "Upload the widget logo (multipart field file; PNG, JPEG, WebP or GIF up to 1 MiB); sets logo_url as a new branding version pushed to Site-Kit",
		Tag: "configure", Access: accessUser, Response: BrandingDTO{}}, s.uploadBrandingLogo)
}

// brandingLogoKey names a logo by agent and content digest: a new upload gets a
// new URL, so a cached copy of the old logo is never shown in its place.
func brandingLogoKey(agentID string, data []byte, contentType string) string {
	h := fmt.Sprintf("%x", sha256.Sum256(data))[:16]
	return blob.PublicPrefix + "agents/" + agentID + "/logo-" + h + "." + imageExt[contentType]
}

// uploadBrandingLogo stores the image, then writes it as the next branding
// version (If-Match optional: without it the edit applies to the version read
// here) and pushes it like PUT branding. The file is validated before anything
// is stored; a lost race removes the blob again.
func (s *Server) uploadBrandingLogo(c *gin.Context) {
	agent, _, err := s.agentAccess(c, true)
	if err != nil {
		fail(c, err)
		return
	}
	var ifVersion int64 = -1
	if c.GetHeader("If-Match") != "" {
		if ifVersion, err = ifMatch(c); err != nil {
			fail(c, err)
			return
		}
	}
	up, err := readFileUpload(c, "file", maxLogoBytes, imageTypes)
	if err != nil {
		fail(c, err)
		return
	}
	b, row, found, err := s.brandingOf(c, agent.ID)
	if err != nil {
		fail(c, err)
		return
	}
	current := int64(0)
	if found {
		current = row.Version
	}
	if ifVersion < 0 {
		ifVersion = current
	}
	key := brandingLogoKey(agent.ID, up.Data, up.ContentType)
	if _, err := s.Blobs.Put(c, key, up.ContentType, bytes.NewReader(up.Data)); err != nil {
		fail(c, err)
		return
	}
	old := b.LogoURL
	b.LogoURL = s.blobURL(key)
	if err := s.replaceConfig(c, agent.ID, models.ConfigBranding, b, ifVersion); err != nil {
		if old != b.LogoURL {
			s.deleteBlob(c, key)
		}
		fail(c, err)
		return
	}
	if k := s.blobKeyOf(old); k != "" && old != b.LogoURL {
		s.deleteBlob(c, k)
	}
	_ = s.syncAgent(c, agent.ID, workflows.SyncBranding)
	s.answerBranding(c, agent)
}
