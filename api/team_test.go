package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/models"
)

// invite invites email into org as role and returns the one-time token.
func invite(t *testing.T, e *apptest.Env, by apptest.User, orgID, email, role string, want int) string {
	t.Helper()
	var out struct {
		ID    string `json:"id"`
		Token string `json:"token"`
		State string `json:"state"`
	}
	r := e.Do(http.MethodPost, "/api/v1/organizations/"+orgID+"/invitations", map[string]string{"email": email, "role": role}, by.Token).Must(t, want)
	if want == http.StatusCreated {
		r.JSON(t, &out)
		if out.Token == "" || out.State != "pending" {
			t.Fatalf("invitation %+v", out)
		}
	}
	return out.Token
}

func TestTeam_RolesDecideWhoMayBuyConfigureAndManageKeys(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Postgres: true})
	owner := e.Register("Olga")
	p := e.Checkout(owner, "support-agent", "Starter")
	org := p.Organization.ID
	admin, member, outsider := e.Register("Adam"), e.Register("Mia"), e.Register("Otto")

	t.Run("InvitationsAreAcceptedOnceByTheInvitedEmail", func(t *testing.T) {
		tok := invite(t, e, owner, org, admin.Email, "admin", http.StatusCreated)
		if r := e.Do(http.MethodPost, "/api/v1/invitations/accept", map[string]string{"token": tok}, member.Token); r.Status != http.StatusForbidden || r.ErrorCode() != "invitation_email_mismatch" {
			t.Fatalf("accept by someone else: %s", r)
		}
		e.Do(http.MethodPost, "/api/v1/invitations/accept", map[string]string{"token": tok}, admin.Token).Must(t, http.StatusOK)
		if r := e.Do(http.MethodPost, "/api/v1/invitations/accept", map[string]string{"token": tok}, admin.Token); r.Status != http.StatusConflict || r.ErrorCode() != "invitation_used" {
			t.Fatalf("second accept: %s", r)
		}
		tok = invite(t, e, admin, org, member.Email, "member", http.StatusCreated)
		e.Do(http.MethodPost, "/api/v1/invitations/accept", map[string]string{"token": tok}, member.Token).Must(t, http.StatusOK)
		invite(t, e, admin, org, "boss@example.com", "owner", http.StatusForbidden) // only owners make owners
		invite(t, e, owner, org, "not-an-email", "member", http.StatusBadRequest)
		invite(t, e, owner, org, "x@example.com", "superuser", http.StatusBadRequest)

		late := e.Register("Lara")
		tok = invite(t, e, owner, org, late.Email, "member", http.StatusCreated)
		if err := e.Stack.Store.DB.Model(&models.Invitation{}).Where("email = ?", late.Email).Update("expires_at", time.Now().Add(-time.Minute)).Error; err != nil {
			t.Fatal(err)
		}
		if r := e.Do(http.MethodPost, "/api/v1/invitations/accept", map[string]string{"token": tok}, late.Token); r.Status != http.StatusConflict || r.ErrorCode() != "invitation_expired" {
			t.Fatalf("expired accept: %s", r)
		}
		var list struct{ Items []struct{ State string } }
		e.Do(http.MethodGet, "/api/v1/organizations/"+org+"/invitations", nil, owner.Token).Must(t, http.StatusOK).JSON(t, &list)
		if len(list.Items) != 3 {
			t.Fatalf("invitations %+v", list)
		}
	})

	base := "/api/v1/agents/" + p.Agent.ID
	etag := func() string {
		return e.Do(http.MethodGet, base+"/persona", nil, owner.Token).Must(t, http.StatusOK).Header.Get("ETag")
	}
	type action struct {
		name string
		do   func(u apptest.User) *apptest.Response
	}
	actions := []action{
		{"read persona", func(u apptest.User) *apptest.Response { return e.Do(http.MethodGet, base+"/persona", nil, u.Token) }},
		{"read training", func(u apptest.User) *apptest.Response { return e.Do(http.MethodGet, base+"/training", nil, u.Token) }},
		{"list members", func(u apptest.User) *apptest.Response {
			return e.Do(http.MethodGet, "/api/v1/organizations/"+org+"/members", nil, u.Token)
		}},
		{"edit persona", func(u apptest.User) *apptest.Response {
			return e.Do(http.MethodPut, base+"/persona", map[string]any{"name": "Nova " + u.Name}, u.Token, "If-Match: "+etag())
		}},
		{"train", func(u apptest.User) *apptest.Response {
			return e.Do(http.MethodPost, base+"/training/qa", map[string]string{"question": "Who trained you " + u.Name + "?", "answer": u.Name}, u.Token)
		}},
		{"create key", func(u apptest.User) *apptest.Response {
			return e.Do(http.MethodPost, base+"/keys", map[string]any{"name": "k"}, u.Token)
		}},
		{"invite", func(u apptest.User) *apptest.Response {
			return e.Do(http.MethodPost, "/api/v1/organizations/"+org+"/invitations", map[string]string{"email": "guest-" + u.ID + "@example.com", "role": "member"}, u.Token)
		}},
		{"rename organization", func(u apptest.User) *apptest.Response {
			return e.Do(http.MethodPatch, "/api/v1/organizations/"+org, map[string]string{"name": "Olga's Org"}, u.Token)
		}},
		{"buy", func(u apptest.User) *apptest.Response {
			return e.Do(http.MethodPost, "/api/v1/checkout", map[string]any{"offering": "support-agent", "plan": "Starter", "billing_cycle": "monthly",
				"payment_method": "pm_card_visa", "accept_terms": true, "organization": org}, u.Token, "Idempotency-Key: team-"+u.ID)
		}},
	}
	manage := map[string]int{"edit persona": 200, "train": 201, "create key": 201, "invite": 201, "rename organization": 200, "buy": 201}
	for _, who := range []struct {
		label string
		user  apptest.User
	}{{"Owner", owner}, {"Admin", admin}, {"Member", member}, {"Outsider", outsider}} {
		t.Run(who.label, func(t *testing.T) {
			for _, a := range actions {
				if a.name == "buy" && who.label == "Owner" {
					continue // the owner bought the agent above
				}
				want := http.StatusOK
				if s, ok := manage[a.name]; ok {
					want = s
				}
				switch {
				case who.label == "Outsider":
					want = http.StatusNotFound
				case who.label == "Member" && manage[a.name] != 0:
					want = http.StatusForbidden
				}
				if r := a.do(who.user); r.Status != want {
					t.Errorf("%s may %s: got %s, want %d", who.label, a.name, r, want)
				}
			}
		})
	}

	t.Run("MembersAreRemovedButTheLastOwnerStays", func(t *testing.T) {
		members := "/api/v1/organizations/" + org + "/members/"
		e.Do(http.MethodDelete, members+owner.ID, nil, admin.Token).Must(t, http.StatusForbidden)
		if r := e.Do(http.MethodDelete, members+owner.ID, nil, owner.Token); r.Status != http.StatusConflict || r.ErrorCode() != "last_owner" {
			t.Fatalf("last owner leaves: %s", r)
		}
		if r := e.Do(http.MethodPatch, members+owner.ID, map[string]string{"role": "member"}, owner.Token); r.ErrorCode() != "last_owner" {
			t.Fatalf("last owner demoted: %s", r)
		}
		e.Do(http.MethodPatch, members+member.ID, map[string]string{"role": "owner"}, admin.Token).Must(t, http.StatusForbidden)
		e.Do(http.MethodPatch, members+member.ID, map[string]string{"role": "admin"}, admin.Token).Must(t, http.StatusOK)
		e.Do(http.MethodPatch, members+member.ID, map[string]string{"role": "member"}, owner.Token).Must(t, http.StatusOK)
		e.Do(http.MethodDelete, members+member.ID, nil, admin.Token).Must(t, http.StatusNoContent)
		e.Do(http.MethodGet, base+"/persona", nil, member.Token).Must(t, http.StatusNotFound)
		e.Do(http.MethodDelete, members+admin.ID, nil, admin.Token).Must(t, http.StatusNoContent) // leaving
		var list struct {
			Items []struct {
				UserID string `json:"user_id"`
			} `json:"items"`
		}
		e.Do(http.MethodGet, "/api/v1/organizations/"+org+"/members", nil, owner.Token).Must(t, http.StatusOK).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].UserID != owner.ID {
			t.Fatalf("members %+v", list)
		}
		n, err := e.Stack.Store.OrganizationIDsOf(context.Background(), admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range n {
			if id == org {
				t.Fatalf("admin still in %s", org)
			}
		}
	})
}
