import { describe, expect, it } from 'vitest';
import { slackPayload } from '../../../shared/alerts/channels/slackBlocks';

describe('a notice posted to Slack', () => {
  it('keeps its words readable: spaces stay spaces, and mrkdwn control characters are escaped', () => {
    const payload = slackPayload({
      kind: 'notice',
      notice: {
        headline: 'Work items failing',
        organization: 'contoso',
        text: 'sync for <contoso> & co failing',
        action: 'run vigil workitems status',
      },
    }) as { blocks: { text: { text: string } }[] };
    expect(payload.blocks[1].text.text).toBe('sync for &lt;contoso&gt; &amp; co failing');
    expect(payload.blocks[2].text.text).toBe('*What to do:* run vigil workitems status');
  });
});
