package otel_test

import (
	"context"
	"fmt"
	"log"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/payments-go/payments"
	"github.com/payments-go/payments/memstore"
	paymentsotel "github.com/payments-go/payments/otel"
	"github.com/payments-go/payments/paymentstest"
)

// The Service's gateway calls become client spans (and metrics) of the
// application's OpenTelemetry providers; here an in-memory exporter
// stands in for the application's OTLP exporter.
func ExampleNew() {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	tr, err := paymentsotel.New(paymentsotel.Config{TracerProvider: tp}) // MeterProvider: the global one
	if err != nil {
		log.Fatal(err)
	}
	svc, err := payments.NewService(payments.Config{
		Store:    memstore.New(),
		Orders:   payments.NewOrderBook(payments.Order{Number: "ORD-1", Name: "Cap", Amount: 1990, Currency: payments.USD}),
		Gateways: []payments.Gateway{paymentstest.NewGateway("fake")},
		Trace:    tr,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	_, _ = svc.Prepare(ctx, payments.PrepareRequest{OrderNumber: "ORD-1", Gateway: "fake"})
	_, _ = svc.Confirm(ctx, payments.ConfirmRequest{OrderNumber: "ORD-1"})
	for _, s := range spans.GetSpans() {
		fmt.Println(s.Name)
	}
	// Output:
	// payments fake prepare
	// payments fake confirm
}
