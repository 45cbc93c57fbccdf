package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/cmp-platform/cmp/internal/apptest"
)

// pngBytes is a file that sniffs as image/png.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 64)...)

func uploadLogo(t *testing.T, e *apptest.Env, u apptest.User, agentID, name string, content []byte) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/v1/agents/"+agentID+"/branding/logo", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+u.Token)
	return e.Send(req)
}

type brandingView struct {
	LogoURL      string `json:"logo_url"`
	PrimaryColor string `json:"primary_color"`
	Version      int64  `json:"version"`
	Sync         struct {
		State         string `json:"state"`
		SyncedVersion int64  `json:"synced_version"`
	} `json:"sync"`
}

func TestBuyer_UploadsABrandingLogoThatIsServedAndPushed(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	owner := e.Register("Olga")
	p := e.Checkout(owner, "support-agent", "Starter")
	base := "/api/v1/agents/" + p.Agent.ID

	var before brandingView
	e.Do(http.MethodGet, base+"/branding", nil, owner.Token).Must(t, http.StatusOK).JSON(t, &before)

	t.Run("BadUploadsAreRefusedWithACodeAndStoreNothing", func(t *testing.T) {
		for _, c := range []struct {
			name    string
			content []byte
			status  int
			code    string
		}{
			{"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), http.StatusUnsupportedMediaType, "unsupported_file_type"},
			{"logo.png", []byte("just text pretending to be a png"), http.StatusUnsupportedMediaType, "unsupported_file_type"},
			{"logo.png", append(append([]byte{}, pngBytes...), bytes.Repeat([]byte{1}, 1<<20)...), http.StatusRequestEntityTooLarge, "file_too_large"},
			{"logo.png", nil, http.StatusBadRequest, "file_empty"},
		} {
			r := uploadLogo(t, e, owner, p.Agent.ID, c.name, c.content)
			if r.Status != c.status || r.ErrorCode() != c.code {
				t.Fatalf("%s (%d bytes): %s, want %d %s", c.name, len(c.content), r, c.status, c.code)
			}
		}
		r := e.Do(http.MethodPost, base+"/branding/logo", map[string]string{"file": "x"}, owner.Token)
		if r.Status != http.StatusUnsupportedMediaType || r.ErrorCode() != "not_multipart" {
			t.Fatalf("JSON body: %s", r)
		}
		var now brandingView
		e.Do(http.MethodGet, base+"/branding", nil, owner.Token).Must(t, http.StatusOK).JSON(t, &now)
		if now.Version != before.Version || now.LogoURL != "" {
			t.Fatalf("a refused upload changed the branding: %+v", now)
		}
	})

	t.Run("OnlyOwnersAndAdminsOfTheAgentsOrganization", func(t *testing.T) {
		stranger := e.Register("Mallory")
		if r := uploadLogo(t, e, stranger, p.Agent.ID, "logo.png", pngBytes); r.Status != http.StatusNotFound {
			t.Fatalf("another tenant: %s, want 404", r)
		}
		member := e.Register("Mia")
		tok := invite(t, e, owner, p.Organization.ID, member.Email, "member", http.StatusCreated)
		e.Do(http.MethodPost, "/api/v1/invitations/accept", map[string]string{"token": tok}, member.Token).Must(t, http.StatusOK)
		if r := uploadLogo(t, e, member, p.Agent.ID, "logo.png", pngBytes); r.Status != http.StatusForbidden {
			t.Fatalf("a plain member: %s, want 403", r)
		}
	})

	t.Run("TheLogoBecomesANewBrandingVersionServedPubliclyAndSynced", func(t *testing.T) {
		var b brandingView
		uploadLogo(t, e, owner, p.Agent.ID, "logo.png", pngBytes).Must(t, http.StatusOK).JSON(t, &b)
		if b.Version <= before.Version || b.Sync.State != "synced" || b.Sync.SyncedVersion == 0 {
			t.Fatalf("branding after upload %+v (before %+v)", b, before)
		}
		if b.PrimaryColor != before.PrimaryColor {
			t.Fatalf("the upload changed other branding fields: %+v", b)
		}
		i := strings.Index(b.LogoURL, "/api/v1/blobs/public/agents/"+p.Agent.ID+"/logo-")
		if i < 0 || !strings.HasSuffix(b.LogoURL, ".png") {
			t.Fatalf("logo_url %q", b.LogoURL)
		}
		img := e.Do(http.MethodGet, b.LogoURL[i:], nil, "").Must(t, http.StatusOK)
		if img.Header.Get("Content-Type") != "image/png" || !bytes.Equal(img.Body, pngBytes) || img.Header.Get("Cache-Control") == "" {
			t.Fatalf("served logo: %s %v", img.Header.Get("Content-Type"), img.Header)
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "logo.gif")
		_, _ = fw.Write([]byte("GIF89a" + strings.Repeat("\x00", 32)))
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.URL+base+"/branding/logo", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+owner.Token)
		req.Header.Set("If-Match", fmt.Sprintf("%q", fmt.Sprint(before.Version)))
		if r := e.Send(req); r.Status != http.StatusPreconditionFailed {
			t.Fatalf("stale If-Match: %s, want 412", r)
		}
		var after brandingView
		e.Do(http.MethodGet, base+"/branding", nil, owner.Token).Must(t, http.StatusOK).JSON(t, &after)
		if after.LogoURL != b.LogoURL {
			t.Fatalf("a stale upload replaced the logo: %q", after.LogoURL)
		}
	})
}
