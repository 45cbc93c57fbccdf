package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/models"
)

// NotificationDTO is one message to the provider (the seller's
// Support/Notifications view). SentAt is set once it was delivered.
type NotificationDTO struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Email     string     `json:"email"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

// NotificationList is a page of notifications, newest first; pass
// next_cursor as cursor for the next page ("" on the last).
type NotificationList struct {
	Items      []NotificationDTO `json:"items"`
	NextCursor string            `json:"next_cursor"`
}

func toNotificationDTO(n models.Notification) NotificationDTO {
	return NotificationDTO{ID: n.ID, Kind: string(n.Kind), Subject: n.Subject, Body: n.Body, Email: n.Email,
		CreatedAt: n.CreatedAt, SentAt: n.SentAt}
}

func (s *Server) routesProviderNotifications(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/provider/notifications", doc{Summary: "Your provider's notifications (orders, reviews, payouts, listing decisions), newest first",
		Tag: "provider", Access: accessUser, Query: []string{"provider", "limit", "cursor"}, Response: NotificationList{}}, s.listProviderNotifications)
}

func (s *Server) listProviderNotifications(c *gin.Context) {
	limit, err := queryLimit(c, 20, 100)
	if err != nil {
		fail(c, err)
		return
	}
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	rows, err := s.Store.NotificationsOf(c, p.ID, c.Query("cursor"), limit+1)
	if err != nil {
		fail(c, err)
		return
	}
	out := NotificationList{Items: []NotificationDTO{}}
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextCursor = rows[limit-1].ID
	}
	for _, n := range rows {
		out.Items = append(out.Items, toNotificationDTO(n))
	}
	c.JSON(http.StatusOK, out)
}
