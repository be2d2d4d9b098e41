"""The roles the suite plays in OCPP 1.6: the Central System towards a charge point under test (`csms`), and a
charge point towards a Central System under test (its state and answers in `charge_point`, what it does on its
own initiative in `station`)."""
