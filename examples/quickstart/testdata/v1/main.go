// Version 1 of the small program the quickstart diffs.
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
	if amount > a.balance {
		return false
	}
	a.balance -= amount
	return true
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
