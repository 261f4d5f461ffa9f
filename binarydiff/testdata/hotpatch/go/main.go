// Command shop is the Go half of the hotpatchability ground truth: built
// once as is and once with fee.go replaced by fee.go.edit, which changes
// the body of one function and nothing else.
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
func withdraw(a *account, amount int) error {
	if amount > a.balance {
		return fmt.Errorf("%s: insufficient funds", a.owner)
	}
	a.balance -= amount + fee(amount)
	return nil
}

func main() {
	a := &account{owner: "ada", balance: 100}
	if err := withdraw(a, len(os.Args)*10); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(a.owner, a.balance)
}
