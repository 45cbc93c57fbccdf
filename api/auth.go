package api

import (
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/auth"
	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// RegisterRequest creates an account.
type RegisterRequest struct {
	Email    string `json:"email" binding:"required"`
	Password string `json:"password" binding:"required"`
	Name     string `json:"name" binding:"required"`
}

// LoginRequest signs in.
type LoginRequest struct {
	Email    string `json:"email" binding:"required"`
	Password string `json:"password" binding:"required"`
}

// UserDTO is a user as the API shows it.
type UserDTO struct {
	ID         string    `json:"id"`
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	IsOperator bool      `json:"is_operator"`
	CreatedAt  time.Time `json:"created_at"`
}

// TokenResponse carries a sign-in token (shown once) and the user.
type TokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      UserDTO   `json:"user"`
}

func toUserDTO(u models.User) UserDTO {
	return UserDTO{ID: u.ID, Email: u.Email, Name: u.Name, IsOperator: u.IsOperator, CreatedAt: u.CreatedAt}
}

func (s *Server) routesAuth(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/auth/register", doc{Summary: "Create an account and sign in", Tag: "auth", Body: RegisterRequest{}, Response: TokenResponse{}, Status: http.StatusCreated}, s.register)
	s.handle(r, http.MethodPost, "/auth/login", doc{Summary: "Sign in", Tag: "auth", Body: LoginRequest{}, Response: TokenResponse{}}, s.login)
	s.handle(r, http.MethodPost, "/auth/logout", doc{Summary: "Sign out (revoke this token)", Tag: "auth", Access: accessUser, Status: http.StatusNoContent}, s.logout)
	s.handle(r, http.MethodGet, "/me", doc{Summary: "The signed-in user", Tag: "auth", Access: accessUser, Response: UserDTO{}}, s.me)
}

func (s *Server) register(c *gin.Context) {
	var req RegisterRequest
	if !bindJSON(c, &req) {
		return
	}
	req.Name = strings.TrimSpace(req.Name)
	req.Email = strings.TrimSpace(req.Email)
	// A bare address only: "Name <a@b>" would be stored whole and never match an invitation.
	if a, err := mail.ParseAddress(req.Email); err != nil || a.Address != req.Email || len(req.Email) > 254 {
		fail(c, errs.Field("email", "email is not a valid address"))
		return
	}
	if len(req.Password) < auth.MinPasswordLength || len(req.Password) > 72 {
		fail(c, errs.Field("password", "password must be 8 to 72 characters"))
		return
	}
	if req.Name == "" || len(req.Name) > 100 {
		fail(c, errs.Field("name", "name must be 1 to 100 characters"))
		return
	}
	hash, err := auth.HashPassword(req.Password)
	if err != nil {
		fail(c, err)
		return
	}
	u := models.User{ID: models.NewID("usr"), Email: req.Email, Name: req.Name, PasswordHash: hash, CreatedAt: models.Now()}
	if err := s.Store.CreateUser(c, &u); err != nil {
		fail(c, err)
		return
	}
	s.issueToken(c, u, http.StatusCreated)
}

func (s *Server) login(c *gin.Context) {
	var req LoginRequest
	if !bindJSON(c, &req) {
		return
	}
	byEmail, byIP := loginKeys(c, req.Email)
	if !limit(c, s.logins.byIP, byIP) || !limit(c, s.logins.byEmail, byEmail) {
		return
	}
	u, err := s.Store.UserByEmail(c, req.Email)
	if err != nil {
		if !errs.Is(err, errs.NotFound) {
			fail(c, err)
			return
		}
		auth.BurnPasswordCheck(req.Password)
		fail(c, errs.New(errs.Unauthorized, "email or password is wrong"))
		return
	}
	if !auth.CheckPassword(u.PasswordHash, req.Password) {
		fail(c, errs.New(errs.Unauthorized, "email or password is wrong"))
		return
	}
	s.issueToken(c, u, http.StatusOK)
}

func (s *Server) issueToken(c *gin.Context, u models.User, status int) {
	tok := auth.NewSessionToken()
	ttl := s.Config.SessionTTL
	if ttl <= 0 {
		ttl = 30 * 24 * time.Hour
	}
	sess := models.Session{ID: models.NewID("ses"), UserID: u.ID, TokenHash: auth.HashToken(tok), CreatedAt: models.Now(), ExpiresAt: models.Now().Add(ttl)}
	if err := s.Store.CreateSession(c, &sess); err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, TokenResponse{Token: tok, ExpiresAt: sess.ExpiresAt, User: toUserDTO(u)})
}

func (s *Server) logout(c *gin.Context) {
	tok, _ := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if err := s.Store.DeleteSession(c, auth.HashToken(tok)); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) { c.JSON(http.StatusOK, toUserDTO(mustUser(c))) }
