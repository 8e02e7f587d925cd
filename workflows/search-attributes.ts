// Search attributes that make loops findable in the Web UI and `temporal workflow list --query`.
// They must be registered on the namespace (infra/temporal-dev-server.sh does it for the dev server).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const PomonaProject = defineSearchAttributeKey('PomonaProject', SearchAttributeType.KEYWORD);
export const PomonaPhase = defineSearchAttributeKey('PomonaPhase', SearchAttributeType.KEYWORD);
export const PomonaRound = defineSearchAttributeKey('PomonaRound', SearchAttributeType.INT);
export const PomonaMap50 = defineSearchAttributeKey('PomonaMap50', SearchAttributeType.DOUBLE);

/** `name=Type` pairs, as `temporal server start-dev --search-attribute` and the test server take them. */
export const pomonaSearchAttributes = {
  PomonaProject: 'Keyword',
  PomonaPhase: 'Keyword',
  PomonaRound: 'Int',
  PomonaMap50: 'Double',
} as const;
