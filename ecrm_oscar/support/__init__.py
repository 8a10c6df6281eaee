"""Support cases (tickets): shoppers ask, staff answer, both ways, on the customer timeline."""
