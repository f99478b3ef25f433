-- 007_cdr_isup: what a SIP-T / SIP-I call's IAM (or a redirected call's
-- Diversion header or Q.931 redirecting number) said about the caller and
-- the redirection, kept with each CDR leg. Nullable: calls without them,
-- and every row written before this migration, have NULL.
ALTER TABLE cdr
	ADD COLUMN calling_category   integer CHECK (calling_category IS NULL OR calling_category BETWEEN 0 AND 255),
	ADD COLUMN redirecting        text,
	ADD COLUMN redirect_reason    integer CHECK (redirect_reason IS NULL OR redirect_reason BETWEEN 0 AND 15),
	ADD COLUMN redirect_count     integer CHECK (redirect_count IS NULL OR redirect_count BETWEEN 0 AND 7),
	ADD COLUMN original_called    text;
