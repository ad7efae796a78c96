-- The first step docs/SCALING.md recommends, tried on a copy of a bench database (not shipped: no migration):
-- the five search-index tables partitioned BY LIST (resource_type), one partition per common type and a
-- DEFAULT one, with the same columns and index definitions (created on the parent, so on every partition).
--   createdb -h 127.0.0.1 -U postgres -T scale_1m scale_part
--   psql -h 127.0.0.1 -U postgres scale_part -f bench/search_scale_partition.sql
-- Every search criterion carries resource_type = <constant>, so the planner prunes to one partition.
DO $$
DECLARE
  t text;
  ty text;
  defs text[];
  d text;
BEGIN
  FOREACH t IN ARRAY ARRAY['fhir_idx_string', 'fhir_idx_token', 'fhir_idx_reference', 'fhir_idx_date',
                           'fhir_idx_quantity'] LOOP
    SELECT array_agg(indexdef) INTO defs FROM pg_indexes WHERE schemaname = 'public' AND tablename = t;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS) PARTITION BY LIST (resource_type)', t || '_p', t);
    FOREACH ty IN ARRAY ARRAY['Observation', 'Patient', 'Encounter', 'MedicationRequest', 'Condition'] LOOP
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%L)', t || '_' || lower(ty), t || '_p', ty);
    END LOOP;
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', t || '_other', t || '_p');
    EXECUTE format('INSERT INTO %I SELECT * FROM %I', t || '_p', t);
    EXECUTE format('DROP TABLE %I', t);
    EXECUTE format('ALTER TABLE %I RENAME TO %I', t || '_p', t);
    FOREACH d IN ARRAY defs LOOP
      EXECUTE replace(d, ' ON public.', ' ON ');
    END LOOP;
  END LOOP;
END $$;
VACUUM ANALYZE;
