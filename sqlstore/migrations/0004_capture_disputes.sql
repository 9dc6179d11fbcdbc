-- 0004: manual capture and disputes.

-- What an authorised payment still allows to capture (payments.Payment.AmountCapturable).
ALTER TABLE payments ADD COLUMN amount_capturable bigint NOT NULL DEFAULT 0;

-- The disputes the gateway reported (payments.Payment.Disputes), a JSONB
-- array written with the row like the refunds.
ALTER TABLE payments ADD COLUMN disputes jsonb NOT NULL DEFAULT '[]';
