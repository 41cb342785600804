import type { RuleDefinition } from '../types';
import { assignment, tokenEnd } from './patternParts';

/**
 * Azure and Azure DevOps. Identifiable keys carry a signature and a Marvin32 checksum, so a match
 * that fails its checksum is dropped: these rules cannot be fooled by look-alikes.
 */
const rotateKey =
  'Rotate the key in the Azure portal (regenerate it), update the consumers from Key Vault, and purge the leaked log or commit.';

/** Rule for a base64 identifiable key: `<n random chars><signature><checksum chars>`. */
function identifiableKeyRule(options: {
  id: string;
  title: string;
  signature: string;
  seeds: readonly string[];
  pattern: string;
  keyword: string;
  urlSafe?: boolean;
}): RuleDefinition {
  return {
    id: options.id,
    family: 'azure',
    title: options.title,
    severity: 'critical',
    confidence: 'high',
    keywords: [options.keyword],
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9+/_\-])(?<secret>${options.pattern})(?![A-Za-z0-9+/=_\-])`),
    validator: 'azure-identifiable-key',
    identifiableKey: { signature: options.signature, seeds: options.seeds, urlSafe: options.urlSafe },
    remediation: rotateKey,
    placeholders: { repeatedCharacters: false, words: false },
  };
}

const base64Char = '[A-Za-z0-9+/]';

export const azureRules: readonly RuleDefinition[] = [
  {
    id: 'azure-devops-pat',
    family: 'azure',
    title: 'Azure DevOps personal access token',
    severity: 'critical',
    confidence: 'high',
    keywords: ['JQQJ9'],
    pattern:
      /(?<![A-Za-z0-9])(?<secret>[A-Za-z0-9]{52}JQQJ9[9DH][A-Za-z0-9][A-L][A-Za-z0-9]{16}AZDO[A-Za-z0-9]{4}(?:[A-Za-z0-9]{2}==)?)(?![A-Za-z0-9])/,
    validator: 'azure-common-annotated-key',
    remediation:
      'Revoke the PAT in Azure DevOps (User settings → Personal access tokens), create a narrower one with a short expiry, and purge the build log that printed it.',
    previewPrefix: 0,
  },
  {
    id: 'azure-ai-services-key',
    family: 'azure',
    title: 'Azure AI services (Cognitive Services) key',
    severity: 'critical',
    confidence: 'high',
    keywords: ['JQQJ9'],
    pattern:
      /(?<![A-Za-z0-9])(?<secret>[A-Za-z0-9]{52}JQQJ9[9DH][A-Za-z0-9][A-L][A-Za-z0-9]{16}ACOG[A-Za-z0-9]{4}(?:[A-Za-z0-9]{2}==)?)(?![A-Za-z0-9])/,
    validator: 'azure-common-annotated-key',
    remediation: rotateKey,
  },
  {
    id: 'azure-common-annotated-key',
    family: 'azure',
    title: 'Azure common annotated security key',
    severity: 'critical',
    confidence: 'high',
    keywords: ['JQQJ9'],
    pattern:
      /(?<![A-Za-z0-9])(?<secret>[A-Za-z0-9]{52}JQQJ9[9DH][A-Za-z0-9][A-L][A-Za-z0-9]{16}[A-Za-z][A-Za-z0-9]{7}(?:[A-Za-z0-9]{2}==)?)(?![A-Za-z0-9])/,
    validator: 'azure-common-annotated-key',
    remediation: rotateKey,
    generic: true,
  },
  {
    id: 'azure-devops-pat-legacy',
    family: 'azure',
    title: 'Azure DevOps personal access token (legacy 52-character format)',
    severity: 'critical',
    confidence: 'medium',
    // The 52-character base32 format has no checksum, so it is only reported next to words that
    // say Azure DevOps, or inside a decoded Basic credential.
    keywords: [
      'azure_devops_ext_pat',
      'azure_devops_pat',
      'ado_pat',
      'azdo_pat',
      'devops_pat',
      'system_accesstoken',
      'dev.azure.com',
      'visualstudio.com',
      'personal_access_token',
      'personalaccesstoken',
      '_pat=',
      '_pat:',
      ' pat ',
      'azure-devops',
      'azuredevops',
    ],
    pattern: /(?<![A-Za-z0-9+/=_-])(?<secret>[a-z2-7]{52})(?![A-Za-z0-9+/=_-])/,
    minEntropy: 3.8,
    decodedContexts: ['basic-auth'],
    remediation:
      'Revoke the PAT in Azure DevOps (User settings → Personal access tokens) and replace it with a new-format PAT or a managed identity.',
  },
  identifiableKeyRule({
    id: 'azure-storage-account-key',
    title: 'Azure Storage account key',
    signature: '+ASt',
    seeds: ['Default0'],
    pattern: String.raw`${base64Char}{76}\+ASt${base64Char}{5}[AQgw]==`,
    keyword: '+ASt',
  }),
  identifiableKeyRule({
    id: 'azure-cosmosdb-key',
    title: 'Azure Cosmos DB account key',
    signature: 'ACDb',
    seeds: ['MastRO00', 'MastRW00', 'SysAll00', 'Resour00', 'SystRO00', 'SystRW00', 'Encryp00'],
    pattern: String.raw`${base64Char}{76}ACDb${base64Char}{5}[AQgw]==`,
    keyword: 'ACDb',
  }),
  identifiableKeyRule({
    id: 'azure-service-bus-key',
    title: 'Azure Service Bus shared access key',
    signature: '+ASb',
    seeds: ['Send0000', 'Listen00', 'Manage00', 'System00'],
    pattern: String.raw`${base64Char}{33}\+ASb[A-P]${base64Char}{5}=`,
    keyword: '+ASb',
  }),
  identifiableKeyRule({
    id: 'azure-event-hubs-key',
    title: 'Azure Event Hubs shared access key',
    signature: '+AEh',
    seeds: ['Send0000', 'Listen00', 'Manage00', 'System00'],
    pattern: String.raw`${base64Char}{33}\+AEh[A-P]${base64Char}{5}=`,
    keyword: '+AEh',
  }),
  identifiableKeyRule({
    id: 'azure-relay-key',
    title: 'Azure Relay shared access key',
    signature: '+ARm',
    seeds: ['Send0000', 'Listen00', 'Manage00'],
    pattern: String.raw`${base64Char}{33}\+ARm[A-P]${base64Char}{5}=`,
    keyword: '+ARm',
  }),
  identifiableKeyRule({
    id: 'azure-function-key',
    title: 'Azure Functions key',
    signature: 'AzFu',
    seeds: ['Functi00', 'System00', 'Master00'],
    pattern: String.raw`[A-Za-z0-9_\-]{44}AzFu[A-Za-z0-9_\-]{5}[AQgw]==`,
    keyword: 'AzFu',
    urlSafe: true,
  }),
  identifiableKeyRule({
    id: 'azure-search-key',
    title: 'Azure AI Search key',
    signature: 'AzSe',
    seeds: ['Query000', 'PAdmin00'],
    pattern: String.raw`[A-Za-z0-9]{42}AzSe[A-D][A-Za-z0-9]{5}`,
    keyword: 'AzSe',
  }),
  identifiableKeyRule({
    id: 'azure-container-registry-key',
    title: 'Azure Container Registry access key',
    signature: '+ACR',
    seeds: ['ACRDflt0'],
    pattern: String.raw`${base64Char}{42}\+ACR[A-D]${base64Char}{5}`,
    keyword: '+ACR',
  }),
  identifiableKeyRule({
    id: 'azure-cache-for-redis-key',
    title: 'Azure Cache for Redis access key',
    signature: 'AzCa',
    seeds: ['Access00'],
    pattern: String.raw`${base64Char}{33}AzCa[A-P]${base64Char}{5}=`,
    keyword: 'AzCa',
  }),
  identifiableKeyRule({
    id: 'azure-api-management-key',
    title: 'Azure API Management key',
    signature: 'APIM',
    seeds: ['Tenant00', 'IoTHub00', 'Gatewy00', 'GitKey00'],
    pattern: String.raw`${base64Char}{76}APIM${base64Char}{5}[AQgw]==`,
    keyword: 'APIM',
  }),
  identifiableKeyRule({
    id: 'azure-iot-key',
    title: 'Azure IoT Hub / Device Provisioning key',
    signature: 'AIoT',
    seeds: ['IoTHub00', 'DpsKey00', 'Device00'],
    pattern: String.raw`${base64Char}{33}AIoT[A-P]${base64Char}{5}=`,
    keyword: 'AIoT',
  }),
  identifiableKeyRule({
    id: 'azure-batch-key',
    title: 'Azure Batch account key',
    signature: '+ABa',
    seeds: ['AbAcct00'],
    pattern: String.raw`${base64Char}{76}\+ABa${base64Char}{5}[AQgw]==`,
    keyword: '+ABa',
  }),
  {
    id: 'azure-storage-connection-string',
    family: 'azure',
    title: 'Azure Storage connection string with account key',
    severity: 'critical',
    confidence: 'high',
    keywords: ['accountkey='],
    pattern: /AccountKey=(?<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])/i,
    lineRequires: /(?:DefaultEndpointsProtocol|AccountName|BlobEndpoint)=/i,
    remediation: rotateKey,
  },
  {
    id: 'azure-cosmosdb-connection-string',
    family: 'azure',
    title: 'Azure Cosmos DB connection string with account key',
    severity: 'critical',
    confidence: 'high',
    keywords: ['documents.azure.com'],
    pattern: /AccountKey=(?<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])/i,
    remediation: rotateKey,
  },
  {
    id: 'azure-messaging-connection-string',
    family: 'azure',
    title: 'Azure Service Bus / Event Hubs / Relay connection string',
    severity: 'critical',
    confidence: 'high',
    keywords: ['sharedaccesskey='],
    pattern: /SharedAccessKey=(?<secret>[A-Za-z0-9+/]{43}=)(?![A-Za-z0-9+/=])/i,
    remediation: 'Regenerate the shared access policy key (or switch the client to a managed identity) and purge the leaked text.',
  },
  {
    id: 'azure-sas-token',
    family: 'azure',
    title: 'Azure shared access signature (SAS)',
    severity: 'high',
    confidence: 'high',
    keywords: ['sig='],
    pattern: /(?:^|[?&;\s"'])sig=(?<secret>[A-Za-z0-9%+/]{40,120}(?:%3D|=){0,2})(?![A-Za-z0-9%+/=])/,
    lineRequires: /(?:^|[?&;\s"'])(?:sv|se|sp|srt|ss|spr)=/,
    remediation:
      'Rotate the storage account key that signed the SAS (or revoke its stored access policy), and prefer user-delegation SAS with short expiry.',
  },
  {
    id: 'azure-app-configuration-connection-string',
    family: 'azure',
    title: 'Azure App Configuration connection string',
    severity: 'critical',
    confidence: 'high',
    keywords: ['azconfig.io'],
    pattern: /Endpoint=https:\/\/[\w-]{1,60}\.azconfig\.io;Id=[\w\-:+/]{1,60};Secret=(?<secret>[A-Za-z0-9+/]{43}=)/i,
    remediation: 'Regenerate the App Configuration access key, or move the client to a managed identity.',
  },
  {
    id: 'azure-entra-client-secret',
    family: 'azure',
    title: 'Microsoft Entra ID (Azure AD) application client secret',
    severity: 'critical',
    confidence: 'high',
    keywords: ['q~'],
    pattern: /(?:^|[\\'"\x60\s>=:(,)])(?<secret>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34})(?=$|[\\'"\x60\s<),;&])/,
    minEntropy: 3.5,
    remediation:
      'Delete the client secret in Entra ID (App registrations → Certificates & secrets), issue a new one into Key Vault, and prefer a federated credential or certificate.',
  },
  {
    id: 'azure-client-secret-assignment',
    family: 'azure',
    title: 'Azure service principal secret in an environment variable',
    severity: 'critical',
    confidence: 'medium',
    keywords: ['azure_client_secret', 'arm_client_secret', 'servicePrincipalKey'.toLowerCase()],
    pattern: new RegExp(
      String.raw`(?:AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET|servicePrincipalKey)${assignment}(?<secret>[A-Za-z0-9_~.\-]{16,128})${tokenEnd}`,
      'i',
    ),
    minEntropy: 3.5,
    remediation:
      'Delete the client secret in Entra ID, issue a new one into Key Vault, and use workload identity federation for pipelines.',
  },
];
