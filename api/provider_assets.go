package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/blob"
	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// Upload limits for listing images. SVG is refused: it can carry script.
const (
	maxLogoBytes       = 1 << 20
	maxScreenshotBytes = 4 << 20
	maxScreenshots     = 8
)

var imageTypes = []string{"image/png", "image/jpeg", "image/webp", "image/gif"}

var imageExt = map[string]string{"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}

func (s *Server) routesProviderAssets(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/provider/offerings/:id/logo", doc{Summary: "Upload the logo (multipart field file; PNG, JPEG, WebP or GIF up to 1 MiB)",
		Tag: "provider", Access: accessUser, Response: ProviderOfferingDTO{}}, s.uploadLogo)
	s.handle(r, http.MethodPost, "/provider/offerings/:id/screenshots", doc{Summary: "Add a screenshot (multipart field file; up to 4 MiB, 8 at most)",
		Tag: "provider", Access: accessUser, Response: ProviderOfferingDTO{}, Status: http.StatusCreated}, s.uploadScreenshot)
	s.handle(r, http.MethodDelete, "/provider/offerings/:id/screenshots/:index", doc{Summary: "Remove a screenshot by its position (0-based)",
		Tag: "provider", Access: accessUser, Response: ProviderOfferingDTO{}}, s.deleteScreenshot)
}

// assetKey names an image by offering and content digest: a new upload gets a
// new URL, so cached copies of the old one can never be shown in its place.
func assetKey(offeringID, kind string, obj []byte, contentType string) string {
	h := fmt.Sprintf("%x", sha256.Sum256(obj))[:16]
	return blob.PublicPrefix + "offerings/" + offeringID + "/" + kind + "-" + h + "." + imageExt[contentType]
}

func (s *Server) blobURL(key string) string {
	return strings.TrimSuffix(s.Config.PublicURL, "/") + "/api/v1/blobs/" + key
}

// blobKeyOf recovers a blob key from a URL this server made ("" if not ours).
func (s *Server) blobKeyOf(u string) string {
	if i := strings.Index(u, "/api/v1/blobs/"); i >= 0 {
		return u[i+len("/api/v1/blobs/"):]
	}
	return ""
}

func (s *Server) storeImage(c *gin.Context, o models.Offering, kind string, max int64) (string, bool) {
	up, err := readFileUpload(c, "file", max, imageTypes)
	if err != nil {
		fail(c, err)
		return "", false
	}
	key := assetKey(o.ID, kind, up.Data, up.ContentType)
	if _, err := s.Blobs.Put(c, key, up.ContentType, bytes.NewReader(up.Data)); err != nil {
		fail(c, err)
		return "", false
	}
	return s.blobURL(key), true
}

func (s *Server) uploadLogo(c *gin.Context) {
	p, o, ok := s.editableOffering(c)
	if !ok {
		return
	}
	url, ok := s.storeImage(c, o, "logo", maxLogoBytes)
	if !ok {
		return
	}
	if err := s.touchOffering(c, o, map[string]any{"logo_url": url}); err != nil {
		fail(c, err)
		return
	}
	if old := s.blobKeyOf(o.LogoURL); old != "" && o.LogoURL != url {
		s.deleteBlob(c, old)
	}
	s.answerOffering(c, p.ID, o.ID, http.StatusOK)
}

func (s *Server) uploadScreenshot(c *gin.Context) {
	p, o, ok := s.editableOffering(c)
	if !ok {
		return
	}
	if len(o.Screenshots.V) >= maxScreenshots {
		fail(c, errs.New(errs.Conflict, "an offering has at most %d screenshots; remove one first", maxScreenshots).WithReason("too_many_screenshots"))
		return
	}
	url, ok := s.storeImage(c, o, "screenshot", maxScreenshotBytes)
	if !ok {
		return
	}
	shots := append(nonNil(o.Screenshots.V), url)
	if err := s.touchOffering(c, o, map[string]any{"screenshots": models.NewJSON(shots)}); err != nil {
		fail(c, err)
		return
	}
	s.answerOffering(c, p.ID, o.ID, http.StatusCreated)
}

func (s *Server) deleteScreenshot(c *gin.Context) {
	p, o, ok := s.editableOffering(c)
	if !ok {
		return
	}
	i, err := strconv.Atoi(c.Param("index"))
	if err != nil || i < 0 || i >= len(o.Screenshots.V) {
		fail(c, errs.New(errs.NotFound, "screenshot not found"))
		return
	}
	gone := o.Screenshots.V[i]
	shots := append(append([]string{}, o.Screenshots.V[:i]...), o.Screenshots.V[i+1:]...)
	if err := s.touchOffering(c, o, map[string]any{"screenshots": models.NewJSON(shots)}); err != nil {
		fail(c, err)
		return
	}
	if k := s.blobKeyOf(gone); k != "" {
		s.deleteBlob(c, k)
	}
	s.answerOffering(c, p.ID, o.ID, http.StatusOK)
}

// deleteBlob removes a file no row points to any more; failure only leaks bytes.
func (s *Server) deleteBlob(ctx context.Context, key string) {
	if err := s.Blobs.Delete(ctx, key); err != nil {
		s.Logger.Warn("could not delete an unused blob", "key", key, "err", err)
	}
}

func (s *Server) deleteOfferingBlobs(ctx context.Context, o models.Offering) {
	for _, u := range append([]string{o.LogoURL}, o.Screenshots.V...) {
		if k := s.blobKeyOf(u); k != "" {
			s.deleteBlob(ctx, k)
		}
	}
}
