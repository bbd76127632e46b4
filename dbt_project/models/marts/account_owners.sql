{#- The owners of each synced account, one row per owner type the config maps (Account Owner,
    CSM, TAM, Onboarding Manager or a custom label) whose User lookup is filled. A narrow
    table, rebuilt in full each time. -#}
{%- set cfg = sfsync_config() %}

with owners as (

    select * from {{ ref('int_account_owners_mapped') }}

),

accounts as (

    select * from {{ ref('int_accounts_classified') }}

),

users as (

    select * from {{ ref('stg_salesforce__users') }}

),

final as (

    select
        owners.account_id,
        owners.owner_type,
        owners.owner_position,
        owners.is_standard_owner_type,
        owners.owner_field,
        owners.user_id,
        users.user_name,
        users.email as user_email,
        users.is_active as is_active_user,
        {{ sfsync_string_literal(cfg.sfsync_config_hash or 'none') }} as sfsync_config_hash,
        current_timestamp as sfsync_updated_at,
    from owners
    inner join accounts
        on owners.account_id = accounts.account_id
    left join users
        on owners.user_id = users.user_id

)

select * from final
