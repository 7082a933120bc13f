ALTER TABLE agreements DROP CONSTRAINT agreements_agreement_id_agreement_version_key;
ALTER TABLE agreements ADD CONSTRAINT agreements_park_agreement_version_key
    UNIQUE (park_id, agreement_id, agreement_version);
