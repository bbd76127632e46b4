{#- Custom-object records attached to what they match: an Account record to its synced account,
    a Contact record to a contact of a synced account (and, through it, that account). Records
    whose match is not synced are left out. -#}
{{ config(materialized='view') }}


with records as (

    select * from {{ ref('int_custom_object_records_filtered') }}

),

accounts as (

    select * from {{ ref('int_accounts_classified') }}

),

contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

synced_contacts as (

    select
        contacts.contact_id,
        contacts.account_id,
    from contacts
    inner join accounts
        on contacts.account_id = accounts.account_id

),

account_records as (

    select
        records.*,
        accounts.account_id,
        cast(null as varchar) as contact_id,
    from records
    inner join accounts
        on records.matched_id = accounts.account_id
    where records.entity_type = 'Account'

),

contact_records as (

    select
        records.*,
        synced_contacts.account_id,
        synced_contacts.contact_id,
    from records
    inner join synced_contacts
        on records.matched_id = synced_contacts.contact_id
    where records.entity_type = 'Contact'

),

final as (

    select * from account_records
    union all
    select * from contact_records

)

select * from final
