#!/bin/sh
# azd post-provision hook: grants the function app's user-assigned managed identity Microsoft Graph's
# application permission User.ReadBasic.All, which the app needs to resolve {userId} (an object id or
# a user principal name) to a user of the tenant. It reads only users' basic profile (id,
# userPrincipalName, displayName, mail, ...): nothing else of the directory.
#
# Bicep cannot grant it here: the Microsoft Graph Bicep extension is restored from a registry at build
# time, and this template builds without one. So azd runs this after `azd provision` (azure.yaml).
#
# Needs: the Azure CLI signed in (azd's own sign-in is separate: `az login`) as someone allowed to grant
# application permissions (Privileged Role Administrator, or Global Administrator). Safe to run again:
# an existing grant is left as it is. docs/azure-setup.md shows how to run it by hand and verify it.
set -eu

# Microsoft Graph's application id (the same in every tenant) and its User.ReadBasic.All app role id.
GRAPH_APP_ID=00000003-0000-0000-c000-000000000000
USER_READ_BASIC_ALL=97235f07-e226-4f63-ace3-39588e11d3a1

directory="${DIRECTORY_ENDPOINT:-https://graph.microsoft.com}"
if [ "$directory" = none ]; then
  echo "DIRECTORY_ENDPOINT=none: users are not looked up, no Microsoft Graph permission is needed."
  exit 0
fi
principal="${AZURE_APP_IDENTITY_PRINCIPAL_ID:?is not set: run azd provision first (it is an output of infra/main.bicep)}"

graph=$(az ad sp show --id "$GRAPH_APP_ID" --query id --output tsv)
assignments="$directory/v1.0/servicePrincipals/$principal/appRoleAssignments"
granted=$(az rest --method GET --url "$assignments" \
  --query "length(value[?appRoleId=='$USER_READ_BASIC_ALL' && resourceId=='$graph'])" --output tsv)
if [ "$granted" != "0" ]; then
  echo "The app's identity ($principal) already has Microsoft Graph User.ReadBasic.All."
  exit 0
fi
if ! az rest --method POST --url "$assignments" --headers "Content-Type=application/json" \
  --body "{\"principalId\":\"$principal\",\"resourceId\":\"$graph\",\"appRoleId\":\"$USER_READ_BASIC_ALL\"}" \
  --output none; then
  echo "Could not grant Microsoft Graph User.ReadBasic.All ($USER_READ_BASIC_ALL) to the app's identity ($principal)." >&2
  echo "Ask a Privileged Role Administrator to run this script (docs/azure-setup.md), or set DIRECTORY_ENDPOINT=none." >&2
  exit 1
fi
echo "Granted Microsoft Graph User.ReadBasic.All to the app's identity ($principal)."
