package payments

import (
	"context"
	"fmt"
	"time"
)

// VirtualAccountRequest asks for a virtual account into which the
// customer transfers the order's amount.
type VirtualAccountRequest struct {
	OrderNumber string
	// Gateway defaults to the first configured [VirtualAccountIssuer].
	Gateway string
	// Amount, if not zero, must equal the order's amount.
	Amount Amount
	// Bank is Toss's two-character bank code.
	Bank          string
	CustomerName  string
	CustomerEmail string
	ValidHours    int
	DueDate       time.Time
	CashReceipt   *CashReceipt
}

// IssueVirtualAccount starts an attempt paid by bank transfer into a
// virtual account. The payment becomes waiting_for_deposit; the deposit
// arrives through [Service.HandleNotification] or [Service.Reconcile].
// Repeating the request while the attempt is not settled returns the same
// account.
func (s *Service) IssueVirtualAccount(ctx context.Context, req VirtualAccountRequest) (*Payment, error) {
	name, issuer := req.Gateway, VirtualAccountIssuer(nil)
	for _, g := range s.order {
		if i, ok := g.(VirtualAccountIssuer); ok && (name == "" || name == g.Name()) {
			name, issuer = g.Name(), i
			break
		}
	}
	if issuer == nil {
		return nil, errorf(CodeInvalidRequest, "no configured gateway issues virtual accounts")
	}
	if req.Bank == "" || req.CustomerName == "" {
		return nil, errorf(CodeInvalidRequest, "bank and customer_name are required")
	}
	if req.ValidHours < 0 || (req.ValidHours > 0 && !req.DueDate.IsZero()) {
		return nil, errorf(CodeInvalidRequest, "give valid_hours or due_date, not both, and valid_hours must be positive")
	}
	order, err := s.Order(ctx, req.OrderNumber)
	if err != nil {
		return nil, err
	}
	if req.Amount != 0 && req.Amount != order.Amount {
		return nil, errorf(CodeAmountMismatch, fmt.Sprintf("amount %d does not match the order's amount", req.Amount))
	}
	var n int
	p, err := s.upsert(ctx, order, func(p *Payment) error {
		if a := p.Latest(); a != nil && a.Method == MethodVirtualAccount && a.Gateway == name &&
			(a.Status == StatusWaitingForDeposit || a.Status == StatusReady) {
			n = a.Number
			return errNoChange
		}
		if err := startable(p); err != nil {
			return err
		}
		n = s.newAttempt(p, name, MethodVirtualAccount).Number
		return nil
	})
	if err != nil {
		return nil, err
	}
	a := p.Attempt(n)
	if a.Status == StatusWaitingForDeposit {
		return p, nil
	}
	if req.CustomerEmail == "" {
		req.CustomerEmail = order.Customer.Email
	}
	ch, gerr := traced(s, ctx, a.Gateway, "issue_virtual_account", p, n, func(ctx context.Context) (*Charge, error) {
		return issuer.IssueVirtualAccount(ctx, &VirtualAccountParams{
			IdempotencyKey: s.key("virtual-account", p.OrderNumber, n, ""),
			Order:          order,
			GatewayOrderID: a.GatewayOrderID,
			Bank:           req.Bank,
			CustomerName:   req.CustomerName,
			CustomerEmail:  req.CustomerEmail,
			ValidHours:     req.ValidHours,
			DueDate:        req.DueDate,
			CashReceipt:    req.CashReceipt,
		})
	})
	return s.settleGatewayCall(ctx, p, n, ch, gerr)
}
