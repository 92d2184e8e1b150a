"""The top floor: endpoints that compose several domains or read across them (who am I, the audit
trail). Every domain lies below it; nothing below imports it."""
