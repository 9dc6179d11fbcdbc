// Package charge holds the guarantees of charges with saved payment
// methods, run against every gateway's fake and every store: 100
// concurrent charges of one order on 4 replicas make one gateway charge,
// and a process that dies between the gateway's charge and the write that
// records it leaves a charge the sweep records paid, once.
package charge
