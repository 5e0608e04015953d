# azd post-provision hook on Windows: the same as grant-directory-permission.sh (read that file's notes).
$ErrorActionPreference = 'Stop'

# Microsoft Graph's application id (the same in every tenant) and its User.ReadBasic.All app role id.
$GraphAppId = '00000003-0000-0000-c000-000000000000'
$UserReadBasicAll = '97235f07-e226-4f63-ace3-39588e11d3a1'

$directory = if ($env:DIRECTORY_ENDPOINT) { $env:DIRECTORY_ENDPOINT } else { 'https://graph.microsoft.com' }
if ($directory -eq 'none') {
  Write-Host 'DIRECTORY_ENDPOINT=none: users are not looked up, no Microsoft Graph permission is needed.'
  exit 0
}
$principal = $env:AZURE_APP_IDENTITY_PRINCIPAL_ID
if (-not $principal) { throw 'AZURE_APP_IDENTITY_PRINCIPAL_ID is not set: run azd provision first.' }

$graph = az ad sp show --id $GraphAppId --query id --output tsv
if ($LASTEXITCODE -ne 0) { exit 1 }
$assignments = "$directory/v1.0/servicePrincipals/$principal/appRoleAssignments"
$granted = az rest --method GET --url $assignments `
  --query "length(value[?appRoleId=='$UserReadBasicAll' && resourceId=='$graph'])" --output tsv
if ($LASTEXITCODE -ne 0) { exit 1 }
if ($granted -ne '0') {
  Write-Host "The app's identity ($principal) already has Microsoft Graph User.ReadBasic.All."
  exit 0
}
$body = @{ principalId = $principal; resourceId = $graph; appRoleId = $UserReadBasicAll } | ConvertTo-Json -Compress
$body | Set-Content -Path ($file = New-TemporaryFile) -Encoding utf8
az rest --method POST --url $assignments --headers 'Content-Type=application/json' --body "@$file" --output none
if ($LASTEXITCODE -ne 0) {
  Write-Error "Could not grant Microsoft Graph User.ReadBasic.All ($UserReadBasicAll) to the app's identity ($principal). Ask a Privileged Role Administrator to run this script (docs/azure-setup.md), or set DIRECTORY_ENDPOINT=none."
  exit 1
}
Write-Host "Granted Microsoft Graph User.ReadBasic.All to the app's identity ($principal)."
