// Version 2: withdraw rejects negative amounts (the "security fix"), fee
// is unchanged, and audit is new.
package main

import (
	"fmt"
	"os"
)

type account struct {
	owner   string
	balance int
}

//go:noinline
func deposit(a *account, amount int) {
	a.balance += amount
}

//go:noinline
func withdraw(a *account, amount int) bool {
	if amount < 0 || amount > a.balance {
		return false
	}
	a.balance -= amount
	audit(a, amount)
	return true
}

//go:noinline
func audit(a *account, amount int) {
	fmt.Fprintln(os.Stderr, "withdrawal", a.owner, amount)
}

//go:noinline
func fee(amount int) int { return amount / 100 }

func main() {
	a := &account{owner: os.Getenv("USER")}
	deposit(a, 500)
	if !withdraw(a, 200+fee(200)) {
		fmt.Println("declined")
	}
	fmt.Println(a.owner, a.balance)
}
